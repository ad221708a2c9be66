namespace Payments.Core.Messaging;

/// <summary>
/// Sends our own background messages (card.detach, fulfilment.requested, invoice.email) as durably as Stripe events:
/// each gets an inbox row (id <c>msg_{type}_{subject}</c>, source <c>app</c>) before it is sent, so it
/// is listed, swept, retried and replayed exactly like an event (admin routes under /api/webhook-events).
/// </summary>
public sealed class OwnMessages(InboxStore inbox, IMessageSender sender, MessageRoutes routes, TimeProvider clock)
{
    public const string Source = "app";

    public static string IdFor(string type, string subjectId) => $"msg_{type}_{subjectId}";

    /// <summary>
    /// Records and sends the message once. Asked again while an earlier send is still waiting, it sends
    /// nothing but makes sure the sweep sees the row (it resends a send that was lost); once processed or
    /// failed it stays as it is (replay is the admin's call).
    /// </summary>
    public async Task SendAsync(QueueMessage message, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var row = new InboxEvent(IdFor(message.Type, message.SubjectId), message.Type, now.ToUnixTimeSeconds(), null, message.SubjectId,
            routes.For(message.Type).Queue, InboxStatus.Received, Source, now, now, null, 0, null, Sends: 1, OwnerId: message.OwnerId);
        if (!await inbox.TryAddAsync(row, [], ct, () => sender.SendAsync(row.ToMessage(), ct)))
            // The row may be our own from an attempt that got no further (an insert whose answer was lost, so that its
            // retry found the row, or a crash before the send). Its pending mark went in with it; a row of the first
            // layout may lack one (a crash between the two), and unmarked nothing would ever send it (bench/FAULTS.md).
            await inbox.EnsurePendingAsync(row.Id, ct);
    }
}
