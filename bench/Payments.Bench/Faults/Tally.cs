using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Messaging.ServiceBus;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.Tests.Infrastructure;

namespace Payments.Bench.Faults;

/// <summary>One counted figure: what, the value, what it should be, and whether it is (null: for information).</summary>
internal sealed record Figure(string What, string Value, string Expected = "", bool? Ok = null)
{
    public static Figure Count(string what, long value) => new(what, value.ToString("N0", CultureInfo.InvariantCulture));

    public static Figure Exactly(string what, long value, long expected) =>
        new(what, value.ToString("N0", CultureInfo.InvariantCulture), expected.ToString("N0", CultureInfo.InvariantCulture), value == expected);
}

internal sealed record Section(string Title, IReadOnlyList<Figure> Figures);

/// <summary>The reconciler's two runs and the findings still open, as the Host answered them.</summary>
internal sealed record Reconciliation(Answer First, Answer Second, Answer Open);

internal sealed record DeadLetter(string Queue, string MessageId, string Subject, string Reason, string Description, string Body);

/// <summary>Everything counted once quiet: sections of figures, the dead letters, and each anomaly spelt out.</summary>
internal sealed record Tally(IReadOnlyList<Section> Sections, IReadOnlyList<DeadLetter> DeadLetters, IReadOnlyList<string> Problems)
{
    public bool AllOk => Sections.SelectMany(s => s.Figures).All(f => f.Ok != false);
}

/// <summary>
/// Counts what the campaign left, reading the tables directly (Azure.Data.Tables on Azurite, not through the
/// fault proxy), the emulator's /v1 objects and delivery log, the broker's queues and dead-letter queues (peek),
/// and the emails the SMTP sink accepted; and holds each against what the shoppers did.
/// </summary>
internal sealed class Counter(TableServiceClient tables, EmulatorReader stripe, string serviceBus, SmtpOutage smtp)
{
    private readonly List<string> _problems = [];

    public async Task<Tally> CountAsync(IReadOnlyList<CheckoutRun> checkouts, IReadOnlyList<PurchaseRun> purchases, IReadOnlyList<InvoiceRun> invoices,
        Reconciliation reconciliation, CancellationToken ct)
    {
        var sections = new List<Section>
        {
            await EventsAsync(ct),
            await CheckoutsAsync(checkouts, ct),
            await PurchasesAsync(purchases, ct),
        };
        if (invoices.Count > 0)
            sections.Add(await new InvoiceCounter(this, stripe, smtp).CountAsync(invoices, ct));
        sections.Add(ReconcilerSection(reconciliation));
        var (queues, deadLetters) = await QueuesAsync(ct);
        sections.Add(queues);
        return new Tally(sections, deadLetters, _problems);
    }

    internal void Problem(string text)
    {
        lock (_problems)
            _problems.Add(text);
    }

    internal async Task<List<TableEntity>> RowsAsync(string table, CancellationToken ct)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in tables.GetTableClient(table).QueryAsync<TableEntity>(cancellationToken: ct))
            rows.Add(row);
        return rows;
    }

    private async Task<Section> EventsAsync(CancellationToken ct)
    {
        var emitted = await stripe.ListAllAsync("events", ct);
        var deliveries = await stripe.DeliveriesAsync(ct);
        // Event rows only (the same table holds their pending marks and the inbox's upkeep rows); an id held twice would throw here.
        var inbox = (await RowsAsync(TableNames.WebhookInbox, ct)).Where(r => InboxKeys.EventIdOf(r) is not null)
            .ToDictionary(r => InboxKeys.EventIdOf(r)!, StringComparer.Ordinal);

        var ok = deliveries.Where(d => d.GetProperty("status").GetInt32() is >= 200 and < 300).ToList();
        var acknowledged = ok.Select(d => d.GetProperty("eventId").GetString()!).ToHashSet(StringComparer.Ordinal);
        var twiceOrMore = ok.GroupBy(d => d.GetProperty("eventId").GetString()).Count(g => g.Count() >= 2);
        var sentAsCopies = deliveries.Where(d => d.GetProperty("copy").GetInt32() >= 2).Select(d => d.GetProperty("eventId").GetString()).Distinct().Count();
        var failedAttempts = deliveries.Where(d => d.GetProperty("status").GetInt32() is < 200 or >= 300)
            .GroupBy(d => d.GetProperty("status").GetInt32()).OrderBy(g => g.Key)
            .Select(g => $"{(g.Key == 0 ? "no answer" : g.Key.ToString(CultureInfo.InvariantCulture))}: {g.Count():N0}");
        var neverAcknowledged = emitted.Count(e => !acknowledged.Contains(e.GetProperty("id").GetString()!));

        string Status(TableEntity row) => row.GetString("Status") ?? "?";
        var missing = acknowledged.Where(id => !inbox.ContainsKey(id)).ToList();
        var notDone = acknowledged.Where(id => inbox.TryGetValue(id, out var row) && Status(row) is not ("processed" or "ignored")).ToList();
        foreach (var id in missing.Take(20))
            Problem($"event {id}: acknowledged (2xx) but not in the inbox");
        foreach (var id in notDone.Take(20))
            Problem($"event {id} ({inbox[id].GetString("Type")}): inbox status {Status(inbox[id])}, attempts {inbox[id].GetInt32("Attempts")}, last error {inbox[id].GetString("LastError")}");

        var stripeRows = inbox.Values.Where(r => r.GetString("Source") != "app").ToList();
        var ownRows = inbox.Values.Where(r => r.GetString("Source") == "app").ToList();
        var ownNotDone = ownRows.Where(r => Status(r) != "processed").ToList();
        foreach (var row in ownNotDone.Take(20))
            Problem($"own message {InboxKeys.EventIdOf(row)}: status {Status(row)}, attempts {row.GetInt32("Attempts")}, last error {row.GetString("LastError")}");

        return new Section("Stripe events and our own messages", [
            Figure.Count("events Stripe emitted (/v1/events)", emitted.Count),
            Figure.Count("webhook delivery attempts", deliveries.Count),
            new Figure("failed attempts by answer (retried by the emulator)", string.Join(", ", failedAttempts)),
            Figure.Count("events sent as two copies (duplicate delivery)", sentAsCopies),
            Figure.Count("events acknowledged (2xx) twice or more", twiceOrMore),
            Figure.Count("events acknowledged (2xx) at least once", acknowledged.Count),
            Figure.Exactly("emitted events never acknowledged (emulator gave up)", neverAcknowledged, 0),
            Figure.Exactly("acknowledged events missing from the inbox (lost at intake)", missing.Count, 0),
            Figure.Exactly("acknowledged events processed or ignored", acknowledged.Count - missing.Count - notDone.Count, acknowledged.Count),
            Figure.Exactly("acknowledged events not processed (lost)", missing.Count + notDone.Count, 0),
            new Figure("inbox rows from Stripe, by status", ByStatus(stripeRows, Status)),
            Figure.Count("Stripe events handled more than once (attempts > 1)", stripeRows.Count(r => (r.GetInt32("Attempts") ?? 0) > 1)),
            new Figure("our own messages (fulfilment.requested, card.detach), by status", ByStatus(ownRows, Status)),
            Figure.Exactly("our own messages not processed", ownNotDone.Count, 0),
        ]);
    }

    private static string ByStatus(IEnumerable<TableEntity> rows, Func<TableEntity, string> status) =>
        string.Join(", ", rows.GroupBy(status).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count():N0}")) is { Length: > 0 } s ? s : "none";

    private async Task<Section> CheckoutsAsync(IReadOnlyList<CheckoutRun> runs, CancellationToken ct)
    {
        var sales = (await RowsAsync(TableNames.Sales, ct)).ToDictionary(r => r.PartitionKey, StringComparer.Ordinal);
        var organisations = (await RowsAsync(TableNames.Organisations, ct)).ToLookup(r => r.GetString("AdminEmail") ?? "", StringComparer.OrdinalIgnoreCase);
        var members = (await RowsAsync(TableNames.OrganisationMembers, ct)).ToLookup(r => r.PartitionKey, StringComparer.Ordinal);
        var orders = (await RowsAsync(TableNames.FulfilmentOrders, ct)).ToDictionary(r => r.PartitionKey, StringComparer.Ordinal);
        // What the Host recorded as sent (EmailOnce's rows), beside what the sink received.
        var marked = (await RowsAsync(TableNames.SentEmails, ct)).Where(r => r.GetDateTimeOffset("SentAt") is not null)
            .Select(r => (r.PartitionKey, r.RowKey)).ToHashSet();
        // Counted as the recipient's mail system shows them: one per Message-Id. A kill between an accepted send and its
        // sent mark repeats the email under the same Message-Id (the crash window, README "Emails"); it is counted apart.
        var emails = smtp.Received.DistinctBy(e => e.MessageId).ToList();
        var repeats = smtp.Received.Count - emails.Count;
        var introductions = emails.Where(e => e.Subject.StartsWith("Welcome to", StringComparison.Ordinal))
            .SelectMany(e => e.To.Select(to => to.Trim('<', '>'))).ToLookup(to => to, StringComparer.OrdinalIgnoreCase);
        var warehouse = emails.Where(e => e.Subject.StartsWith("Fulfilment order ", StringComparison.Ordinal))
            .ToLookup(e => e.Subject["Fulfilment order ".Length..].Split(':')[0], StringComparer.Ordinal);

        var done = runs.Where(r => r.Failure is null).ToList();
        foreach (var r in runs.Where(r => r.Failure is not null).Take(20))
            Problem($"checkout {r.Index}: {r.Failure}");
        var completed = done.Count(r => sales.TryGetValue(r.SaleId, out var s) && s.GetString("Status") == "completed");
        var withSubscription = done.Where(r => r.Subscription).ToList();
        var withDevices = done.Where(r => r.Devices > 0).ToList();

        int Check(IEnumerable<CheckoutRun> subset, Func<CheckoutRun, int> count, int expected, string what)
        {
            var wrong = 0;
            foreach (var r in subset)
            {
                var n = count(r);
                if (n == expected)
                    continue;
                wrong++;
                Problem($"sale {r.SaleId} (checkout {r.Index}, {r.AdminEmail}): {n} {what}, expected {expected}");
            }
            return wrong;
        }

        int Orgs(CheckoutRun r) => organisations[r.AdminEmail].Count();
        var orgWrong = Check(withSubscription, Orgs, 1, "organisations");
        var orgStray = Check(done.Where(r => !r.Subscription), Orgs, 0, "organisations");
        var memberWrong = Check(withSubscription, r => organisations[r.AdminEmail].Sum(o => members[o.PartitionKey].Count()), 1, "admin members");
        var introWrong = Check(withSubscription, r => introductions[r.AdminEmail].Count(), 1, "introduction emails");
        var introStray = Check(done.Where(r => !r.Subscription), r => introductions[r.AdminEmail].Count(), 0, "introduction emails");
        var introUnmarked = Check(withSubscription, r => organisations[r.AdminEmail].Count(o => marked.Contains((o.PartitionKey, "introduction"))), 1, "introduction emails marked sent");
        var warehouseUnmarked = Check(withDevices, r => marked.Contains((r.SaleId, "fulfilment")) ? 1 : 0, 1, "warehouse emails marked sent");
        var orderWrong = Check(withDevices, r => orders.TryGetValue(r.SaleId, out var o) && o.GetDateTimeOffset("NotifiedAt") is not null ? 1 : 0, 1, "notified fulfilment orders");
        var orderStray = Check(done.Where(r => r.Devices == 0), r => orders.ContainsKey(r.SaleId) ? 1 : 0, 0, "fulfilment orders");
        var mailWrong = Check(withDevices, r => warehouse[r.SaleId].Count(), 1, "warehouse emails");

        return new Section("Store checkouts", [
            Figure.Count("checkouts driven", runs.Count),
            Figure.Exactly("checkouts that did not get through (shopper gave up)", runs.Count - done.Count, 0),
            Figure.Exactly("sales completed", completed, done.Count),
            Figure.Count("with the subscription", withSubscription.Count),
            Figure.Count("with devices", withDevices.Count),
            Figure.Count("organisations", organisations.Sum(g => g.Count())),
            Figure.Exactly("subscription sales without exactly 1 organisation", orgWrong, 0),
            Figure.Exactly("sales without subscription that got an organisation", orgStray, 0),
            Figure.Exactly("organisations without exactly 1 admin member", memberWrong, 0),
            Figure.Count("emails received again under the same Message-Id (a kill between the send and its mark; dropped by Message-Id)", repeats),
            Figure.Count("introduction emails received", introductions.Sum(g => g.Count())),
            Figure.Exactly("subscription sales without exactly 1 introduction email", introWrong + introStray, 0),
            Figure.Exactly("subscription sales whose introduction email is not marked sent (sentemails)", introUnmarked, 0),
            Figure.Count("fulfilment orders", orders.Count),
            Figure.Exactly("sales with devices without exactly 1 notified fulfilment order", orderWrong + orderStray, 0),
            Figure.Count("warehouse emails received", warehouse.Sum(g => g.Count())),
            Figure.Exactly("sales with devices without exactly 1 warehouse email", mailWrong, 0),
            Figure.Exactly("sales with devices whose warehouse email is not marked sent (sentemails)", warehouseUnmarked, 0),
        ]);
    }

    private async Task<Section> PurchasesAsync(IReadOnlyList<PurchaseRun> runs, CancellationToken ct)
    {
        var rows = (await RowsAsync(TableNames.Purchases, ct)).ToDictionary(r => r.RowKey, StringComparer.Ordinal);
        var intents = (await stripe.ListAllAsync("payment_intents", ct))
            .Where(pi => pi.GetProperty("metadata").TryGetProperty("purchase_id", out _))
            .ToLookup(pi => pi.GetProperty("metadata").GetProperty("purchase_id").GetString()!, StringComparer.Ordinal);
        // Ours carry a reason; the release of a partial capture's rest is a Refund without one (as on Stripe).
        var refunds = (await stripe.ListAllAsync("refunds", ct))
            .Where(r => r.GetProperty("reason").ValueKind == JsonValueKind.String && r.GetProperty("status").GetString() == "succeeded")
            .ToLookup(r => r.GetProperty("payment_intent").GetString()!, StringComparer.Ordinal);

        var done = runs.Where(r => r.Failure is null).ToList();
        foreach (var r in runs.Where(r => r.Failure is not null).Take(20))
            Problem($"purchase {r.Index} ({r.PurchaseId}): {r.Failure}");
        int intentsWrong = 0, refundsWrong = 0, overRefunded = 0, tableMismatch = 0, rowsMissing = 0;
        long captured = 0, refunded = 0;
        foreach (var r in runs.Where(r => r.PurchaseId.Length > 0))
        {
            var mine = intents[r.PurchaseId].ToList();
            if (mine.Count != 1)
            {
                intentsWrong++;
                Problem($"purchase {r.PurchaseId}: {mine.Count} PaymentIntents");
            }
            if (mine.Count == 0)
                continue;
            var pi = mine[0];
            var received = pi.GetProperty("amount_received").GetInt64();
            var stripeRefunds = refunds[pi.GetProperty("id").GetString()!].ToList();
            var refundedHere = stripeRefunds.Sum(x => x.GetProperty("amount").GetInt64());
            captured += received;
            refunded += refundedHere;
            var accepted = r.Refunds.Count(x => x.Status == 201);
            if (stripeRefunds.Count != accepted)
            {
                refundsWrong++;
                Problem($"purchase {r.PurchaseId}: {stripeRefunds.Count} refunds in Stripe, {accepted} accepted");
            }
            if (refundedHere > received)
            {
                overRefunded++;
                Problem($"purchase {r.PurchaseId}: refunded {refundedHere} of {received} captured");
            }
            if (!rows.TryGetValue(r.PurchaseId, out var row))
            {
                rowsMissing++;
                Problem($"purchase {r.PurchaseId}: no row");
                continue;
            }
            var (rowCaptured, rowRefunded) = (row.GetInt64("AmountCaptured") ?? 0, row.GetInt64("AmountRefunded") ?? 0);
            if (rowCaptured != received || rowRefunded != refundedHere || rowRefunded > rowCaptured)
            {
                tableMismatch++;
                Problem($"purchase {r.PurchaseId}: row says captured {rowCaptured} refunded {rowRefunded} ({row.GetString("Status")}), Stripe {received} / {refundedHere}");
            }
        }
        var refusedOver = runs.SelectMany(r => r.Refunds).Count(x => x.Code == "refund_exceeds_captured");
        var askedOver = runs.Count(r => r.Index % 10 == 4 && r.Refunds.Count == 2);

        return new Section("Purchases", [
            Figure.Count("purchases driven", runs.Count),
            Figure.Exactly("purchases that did not get through (shopper gave up)", runs.Count - done.Count, 0),
            Figure.Count("authorized, then captured by staff (half in part)", runs.Count(r => r.Manual)),
            new Figure("purchase rows, by status", string.Join(", ", runs.Where(r => rows.ContainsKey(r.PurchaseId))
                .GroupBy(r => rows[r.PurchaseId].GetString("Status")).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count():N0}"))),
            Figure.Exactly("purchases without exactly 1 PaymentIntent", intentsWrong, 0),
            Figure.Exactly("purchases without a row", rowsMissing, 0),
            Figure.Count("refunds asked for (own Idempotency-Key each)", runs.Sum(r => r.Refunds.Count)),
            Figure.Count("refunds accepted (201)", runs.Sum(r => r.Refunds.Count(x => x.Status == 201))),
            Figure.Exactly("refunds asked beyond what was left, refused 422 refund_exceeds_captured", refusedOver, askedOver),
            Figure.Exactly("purchases whose Stripe refunds differ from the refunds accepted", refundsWrong, 0),
            Figure.Exactly("purchases refunded above what was captured (Stripe)", overRefunded, 0),
            Figure.Exactly("purchase rows disagreeing with Stripe (captured, refunded)", tableMismatch, 0),
            new Figure("captured / refunded in Stripe (USD)", FormattableString.Invariant($"{captured / 100m:N2} / {refunded / 100m:N2}")),
        ]);
    }

    /// <summary>The reconciler's word, after quiet: its first run (what it found and repaired), its second, and what is still open.</summary>
    private Section ReconcilerSection(Reconciliation r)
    {
        var data = r.Open.Status == 200 && r.Open.Body.TryGetProperty("data", out var d) ? d : (JsonElement?)null;
        if (data is null)
            Problem($"reconciliation findings: {r.Open}");
        foreach (var f in data?.EnumerateArray().Take(20) ?? [])
            Problem($"open finding: {f}");
        var open = data?.GetArrayLength() ?? -1;
        return new Section("Reconciler (ours against Stripe, after quiet)", [
            new Figure("first run", r.First.ToString()),
            new Figure("second run", r.Second.ToString()),
            Figure.Exactly("findings still open after the second run", open, 0),
        ]);
    }

    private async Task<(Section Queues, List<DeadLetter> DeadLetters)> QueuesAsync(CancellationToken ct)
    {
        await using var client = new ServiceBusClient(serviceBus);
        var figures = new List<Figure>();
        var deadLetters = new List<DeadLetter>();
        foreach (var queue in QueueNames.All)
        {
            var active = (await PeekAllAsync(client.CreateReceiver(queue), ct)).Count;
            var dead = await PeekAllAsync(client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter }), ct);
            figures.Add(Figure.Exactly($"`{queue}`: messages left", active, 0));
            figures.Add(Figure.Count($"`{queue}`: dead letters", dead.Count));
            deadLetters.AddRange(dead.Select(m => new DeadLetter(queue, m.MessageId, m.Subject ?? "", m.DeadLetterReason ?? "", m.DeadLetterErrorDescription ?? "",
                m.Body.ToString() is var body && body.Length > 160 ? body[..160] + "…" : m.Body.ToString())));
        }
        return (new Section("Service Bus queues", figures), deadLetters);
    }

    private static async Task<List<ServiceBusReceivedMessage>> PeekAllAsync(ServiceBusReceiver receiver, CancellationToken ct)
    {
        await using var _ = receiver;
        var all = new List<ServiceBusReceivedMessage>();
        long? from = 0;
        while (true)
        {
            var page = await receiver.PeekMessagesAsync(100, from, ct);
            if (page.Count == 0)
                return all;
            all.AddRange(page);
            from = page[^1].SequenceNumber + 1;
        }
    }
}
