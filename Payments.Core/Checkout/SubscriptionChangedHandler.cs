using Microsoft.Extensions.Logging;
using Payments.Core.Email;
using Payments.Core.Messaging;
using Payments.Core.Stripe;
using Payments.Core.Organisations;

namespace Payments.Core.Checkout;

/// <summary>
/// customer.subscription.created|updated|deleted: re-reads the subscription, records it, provisions
/// the organisation and its admin (once) with the introduction email (once) while it is active,
/// and marks the organisation inactive once it is canceled. Works in any order: "updated" before
/// "created" reads the same subscription from Stripe.
/// </summary>
public sealed partial class SubscriptionChangedHandler(
    IStripeGateway stripe, StripeReadCoalescer reads, SubscriptionStore subscriptions, AdminAccountStore accounts, OrganisationStore organisations,
    SaleStore sales, EmailOnce email, InboxStore inbox, TimeProvider clock, ILogger<SubscriptionChangedHandler> logger) : IMessageHandler
{
    public static readonly IReadOnlyList<string> EventTypes =
        ["customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"];

    private static readonly HashSet<string> Provisionable = ["active", "trialing"];
    private static readonly HashSet<string> Ended = ["canceled", "incomplete_expired"];

    public async Task HandleAsync(QueueMessage message, MessageDelivery delivery, CancellationToken ct)
    {
        // Shared with the other events about this subscription (see StripeReadCoalescer); no payload reading: every
        // subscription of the account is recorded, ours or not.
        var snapshot = await reads.SubscriptionAsync(stripe, message.SubjectId, message.ReceivedAt, ct);
        var saleId = snapshot.Metadata.GetValueOrDefault("sale_id");
        var adminEmail = snapshot.Metadata.GetValueOrDefault("admin_email");
        var eventCreated = message.EventId is { } id ? (await inbox.FindAsync(id, ct))?.Event.Created ?? 0 : clock.GetUtcNow().ToUnixTimeSeconds();

        if (!await subscriptions.ApplyAsync(snapshot, adminEmail, saleId, eventCreated, ct))
        {
            LogStale(logger, message.SubjectId, message.EventId);
            return;
        }
        if (adminEmail is not null)
            await accounts.RecordAsync(adminEmail, snapshot.CustomerId, snapshot.Id, snapshot.Status, ct);

        var organisationId = OrganisationStore.IdFor(snapshot.Id);
        if (Ended.Contains(snapshot.Status))
        {
            await organisations.SetActiveAsync(organisationId, false, ct);
            return;
        }
        if (!Provisionable.Contains(snapshot.Status))
            return;
        if (adminEmail is null || saleId is null)
        {
            LogNotFromStore(logger, snapshot.Id);
            return;
        }

        var sale = (await sales.FindAsync(saleId, ct))?.Sale;
        var name = sale?.Name ?? adminEmail;
        if (await organisations.TryCreateAsync(new Organisation(organisationId, name, adminEmail, snapshot.Id, true, clock.GetUtcNow(), null), ct))
            LogProvisioned(logger, organisationId, snapshot.Id);
        else
            await organisations.SetActiveAsync(organisationId, true, ct);
        await organisations.AddAdminAsync(organisationId, adminEmail, ct);
        await email.SendAsync(organisationId, "introduction", new EmailMessage(
            adminEmail,
            $"Welcome to {name}",
            $"Hello,\n\nYour organisation \"{name}\" is ready and you are its administrator ({adminEmail}).\n" +
            $"Organisation id: {organisationId}\n\nThank you for subscribing.",
            $"<introduction.{organisationId}@payments.local>"), ct);
    }

    [LoggerMessage(EventId = 5601, Level = LogLevel.Information, Message = "Provisioned organisation {OrganisationId} for subscription {SubscriptionId}")]
    private static partial void LogProvisioned(ILogger logger, string organisationId, string subscriptionId);

    [LoggerMessage(EventId = 5602, Level = LogLevel.Information, Message = "Subscription {SubscriptionId}: event {EventId} is older than what we recorded; skipped")]
    private static partial void LogStale(ILogger logger, string subscriptionId, string? eventId);

    [LoggerMessage(EventId = 5603, Level = LogLevel.Warning, Message = "Subscription {SubscriptionId} did not come from our store checkout; no organisation provisioned")]
    private static partial void LogNotFromStore(ILogger logger, string subscriptionId);
}
