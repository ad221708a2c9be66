using System.Text.Json;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Bench.Faults;

/// <summary>
/// The group invoices' figures: every invoice funded or ended; no hold left on a card; every captured cent either
/// on a funded invoice or refunded (Stripe's own figures: intents by our metadata, refunds that succeeded); our
/// refunded amounts equal Stripe's; one funded email per funded invoice and one ended email per member of an
/// ended one.
/// </summary>
internal sealed class InvoiceCounter(Counter counter, EmulatorReader stripe, SmtpOutage smtp)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public async Task<Section> CountAsync(IReadOnlyList<InvoiceRun> runs, CancellationToken ct)
    {
        var rows = (await counter.RowsAsync(TableNames.GroupInvoices, ct)).ToLookup(r => r.PartitionKey, StringComparer.Ordinal);
        var intents = (await stripe.ListAllAsync("payment_intents", ct))
            .Where(pi => pi.GetProperty("metadata").TryGetProperty("invoice_id", out _))
            .ToLookup(pi => pi.GetProperty("metadata").GetProperty("invoice_id").GetString()!, StringComparer.Ordinal);
        var refunds = (await stripe.ListAllAsync("refunds", ct))
            .Where(r => r.GetProperty("payment_intent").ValueKind == JsonValueKind.String)
            .ToLookup(r => r.GetProperty("payment_intent").GetString()!, StringComparer.Ordinal);
        // One per Message-Id, as the recipient sees them (see Counter.CheckoutsAsync: the crash window's repeats are counted there).
        var emails = smtp.Received.DistinctBy(e => e.MessageId).ToList();

        foreach (var r in runs.Where(r => r.Failure is not null).Take(20))
            counter.Problem($"invoice {r.Index} ({r.Plot}, {r.Mode}, {r.InvoiceId}): {r.Failure}; answers {string.Join("; ", r.Answers)}");

        int unsettled = 0, holds = 0, stranded = 0, fundedMismatch = 0, refundsWrong = 0, fundedMail = 0, endedMail = 0;
        long captured = 0, refunded = 0;
        var byStatus = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var run in runs.Where(r => r.InvoiceId.Length > 0))
        {
            var invoiceRows = rows[run.InvoiceId].ToList();
            var header = invoiceRows.Single(r => r.RowKey == "invoice");
            var status = header.GetString("Status") ?? "?";
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            var funded = status is "funded" or "ordered" or "shipped";
            var ended = status is "canceled" or "expired";
            if (!funded && !ended)
            {
                unsettled++;
                counter.Problem($"invoice {run.InvoiceId} ({run.Plot}): {status} after quiet");
            }

            var mine = intents[run.InvoiceId].ToList();
            var held = mine.Where(pi => pi.GetProperty("status").GetString() == "requires_capture").ToList();
            if (held.Count > 0)
            {
                holds += held.Count;
                counter.Problem($"invoice {run.InvoiceId} ({status}): {held.Count} authorization(s) still held: {string.Join(", ", held.Select(pi => pi.GetProperty("id").GetString()))}");
            }
            var received = mine.Sum(pi => pi.GetProperty("amount_received").GetInt64());
            var stripeRefunds = mine.SelectMany(pi => refunds[pi.GetProperty("id").GetString()!]).ToList();
            var refundedHere = stripeRefunds.Where(x => x.GetProperty("status").GetString() == "succeeded").Sum(x => x.GetProperty("amount").GetInt64());
            captured += received;
            refunded += refundedHere;

            if (ended && received != refundedHere)
            {
                stranded++;
                counter.Problem($"invoice {run.InvoiceId} ({status}, {run.Plot}): Stripe captured {received}, refunded {refundedHere}: {received - refundedHere} stranded");
            }
            if (funded)
            {
                var total = JsonDocument.Parse(header.GetString("Data")!).RootElement.GetProperty("totals").GetProperty("total").GetInt64();
                var ourRefunded = invoiceRows.Where(r => r.RowKey.StartsWith("share:", StringComparison.Ordinal))
                    .Sum(r => JsonSerializer.Deserialize<ShareRow>(r.GetString("Data")!, Web)!.AmountRefunded);
                if (received - refundedHere != total - ourRefunded)
                {
                    fundedMismatch++;
                    counter.Problem($"invoice {run.InvoiceId} ({run.Plot}): Stripe keeps {received - refundedHere} (captured {received}, refunded {refundedHere}), ours {total - ourRefunded} (total {total}, refunded {ourRefunded})");
                }
                // Each refund the organiser was answered 201 for is one Refund in Stripe (failed ones included).
                var asked = stripeRefunds.Count(x => x.GetProperty("reason").ValueKind == JsonValueKind.String);
                var accepted = run.Refunds.Count(x => x.Status == 201);
                if (asked != accepted)
                {
                    refundsWrong++;
                    counter.Problem($"invoice {run.InvoiceId}: {asked} refunds in Stripe, {accepted} accepted");
                }
            }

            var about = emails.Where(e => e.Subject.Contains(run.InvoiceId, StringComparison.Ordinal)).ToList();
            var paidMails = about.Count(e => e.Subject.Contains(" is paid", StringComparison.Ordinal));
            if (paidMails != (funded ? 1 : 0))
            {
                fundedMail++;
                counter.Problem($"invoice {run.InvoiceId} ({status}): {paidMails} funded emails");
            }
            foreach (var member in ended ? run.Members : [])
            {
                var to = $"{member}@campaign.test";
                var theirs = about.Where(e => IsEnded(e.Subject) && e.To.Any(t => t.Trim('<', '>').Equals(to, StringComparison.OrdinalIgnoreCase))).ToList();
                if (theirs.Count == 1)
                    continue;
                endedMail++;
                counter.Problem($"invoice {run.InvoiceId} ({status}): {theirs.Count} ended emails to {member}: " +
                    string.Join("; ", theirs.Select(e => $"{e.MessageId} \"{e.Subject}\"")));
            }
            if (!ended && about.Any(e => IsEnded(e.Subject)))
            {
                endedMail++;
                counter.Problem($"invoice {run.InvoiceId} ({status}): an ended email, yet it did not end");
            }
        }

        return new Section("Group invoices", [
            Figure.Count("group invoices driven", runs.Count),
            new Figure("by plot", string.Join(", ", runs.GroupBy(r => r.Plot).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))),
            new Figure("by mode", string.Join(", ", runs.GroupBy(r => r.Mode).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))),
            Figure.Count("members in all", runs.Sum(r => r.Members.Count)),
            Figure.Exactly("invoices whose steps did not get through (shopper gave up or answer unexpected)", runs.Count(r => r.Failure is not null), 0),
            new Figure("invoices by status after quiet", string.Join(", ", byStatus.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"))),
            Figure.Exactly("invoices neither funded nor ended (stuck)", unsettled, 0),
            Figure.Exactly("authorizations still held in Stripe", holds, 0),
            Figure.Exactly("ended invoices with captured cents not refunded (Stripe)", stranded, 0),
            Figure.Exactly("funded invoices where what Stripe keeps differs from ours (total less refunded)", fundedMismatch, 0),
            Figure.Exactly("funded invoices whose Stripe refunds differ from the refunds accepted", refundsWrong, 0),
            Figure.Exactly("invoices without exactly 1 funded email when funded (0 otherwise)", fundedMail, 0),
            Figure.Exactly("members of ended invoices without exactly 1 ended email (or stray ones)", endedMail, 0),
            new Figure("Stripe refunds of invoice payments, by status", string.Join(", ", intents.SelectMany(g => g).SelectMany(pi => refunds[pi.GetProperty("id").GetString()!])
                .GroupBy(r => r.GetProperty("status").GetString()).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))),
            new Figure("captured / refunded in Stripe (USD)", FormattableString.Invariant($"{captured / 100m:N2} / {refunded / 100m:N2}")),
        ]);
    }

    private static bool IsEnded(string subject) =>
        subject.Contains(" was canceled", StringComparison.Ordinal) || subject.Contains("was not paid in full", StringComparison.Ordinal);

    private sealed record ShareRow(string MemberId, long Amount, long AmountRefunded);
}
