using System.Text.Json;

namespace Payments.Bench.Faults;

/// <summary>What happens to one group invoice in the campaign (chosen by its index, so every seed has each).</summary>
internal enum InvoicePlot
{
    /// <summary>Every member pays their own share with a saved card.</summary>
    AllPay,
    /// <summary>The organiser covers another member's share.</summary>
    Cover,
    /// <summary>One member's card needs 3-D Secure: 202, the challenge passed on "Stripe's page", the event authorizes.</summary>
    ThreeDSecure,
    /// <summary>One member's card declines; they save another card and pay again.</summary>
    Decline,
    /// <summary>The last payment and the organiser's cancel race: funded or canceled, never half of each.</summary>
    CancelDuringFunding,
    /// <summary>One member never pays: the invoice expires at its deadline.</summary>
    Deadline,
    /// <summary>Some members pay, then the organiser cancels: every hold voided.</summary>
    CancelPartlyPaid,
    /// <summary>Funded, then the organiser refunds part of one share (some paid with pm_card_refundFail) and all of another.</summary>
    Refunds,
}

/// <summary>A group invoice as its members saw it. Failure: why a step did not get through (null when all did).</summary>
internal sealed record InvoiceRun(int Index, InvoicePlot Plot, string Mode, string InvoiceId, IReadOnlyList<string> Members,
    IReadOnlyList<string> Answers, IReadOnlyList<RefundRun> Refunds, string? Failure);

/// <summary>
/// The group-invoice load (issue 14): invoices of 2–8 members in all three modes, with covers, 3-D Secure,
/// declines, cancels racing the funding, deadlines and refunds (some failing at the bank), driven through the
/// Host like the other units. Members come from a pool of buyers who saved pm_card_visa before the run; the
/// special cards (3-D Secure, declining, refund-failing) belong to people of their own.
/// </summary>
internal sealed class InvoiceShoppers(Shop shop, FaultOptions options)
{
    private const int Pool = 40;
    private static readonly string[] Modes = ["each", "organiser", "split"];
    private static readonly string[] Products = ["livestream", "meet-and-greet", "poster"];
    private static readonly object Address = new { name = "Campaign Organiser", line1 = "1 Main St", city = "Springfield", state = "IL", postalCode = "62701", country = "US" };
    private readonly Dictionary<string, string> _cards = new(StringComparer.Ordinal);

    private static string Member(int k) => $"member-{k:D3}";

    public async Task SaveCardsAsync(CancellationToken ct)
    {
        if (options.Invoices == 0)
            return;
        await Parallel.ForEachAsync(Enumerable.Range(0, Pool), new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct },
            async (k, token) =>
            {
                var card = await SaveCardAsync(Member(k), "pm_card_visa", token);
                lock (_cards)
                    _cards[Member(k)] = card;
            });
    }

    public async Task<InvoiceRun> RunAsync(int i, CancellationToken ct)
    {
        var random = new Random(HashCode.Combine(options.Seed, i));
        var plot = (InvoicePlot)(i % Enum.GetValues<InvoicePlot>().Length);
        // Every plot meets every mode: the mode moves on by one each time the plots come round.
        var mode = Modes[i / Enum.GetValues<InvoicePlot>().Length % Modes.Length];
        var size = 2 + random.Next(7);
        var first = random.Next(Pool);
        // The organiser is a person of their own (their cards are the plot's special ones); the rest come from the pool.
        var members = Enumerable.Range(1, size - 1).Select(k => Member((first + k * 7) % Pool)).Distinct().Prepend($"organiser-{i:D4}").ToList();
        var answers = new List<string>();
        var refunds = new List<RefundRun>();
        InvoiceRun Done(string id, string? failure) => new(i, plot, mode, id, members, answers, refunds, failure);

        var organiser = members[0];
        var created = await shop.HostAsync(HttpMethod.Post, "api/invoices", new { title = $"Campaign invoice {i}" }, shop.Token(organiser), null, ct);
        if (created.Status != 201)
            return Done("", $"create: {created}");
        var id = created.Text("id");
        foreach (var member in members.Skip(1))
        {
            var joined = await shop.HostAsync(HttpMethod.Post, $"api/invoices/{id}/members", null, shop.Token(member), null, ct);
            if (joined.Status is not (200 or 201))
                return Done(id, $"join {member}: {joined}");
        }
        // Each mode: everyone has items; otherwise the organiser and about half the others.
        foreach (var member in members.Where((_, k) => k == 0 || mode == "each" || random.Next(2) == 0))
        {
            var items = new[] { new { productId = Products[random.Next(Products.Length)], quantity = 1 + random.Next(2) } };
            var set = await shop.HostAsync(HttpMethod.Put, $"api/invoices/{id}/items", new { items }, shop.Token(member), null, ct);
            if (set.Status != 200)
                return Done(id, $"items {member}: {set}");
        }
        var checkedOut = await shop.HostAsync(HttpMethod.Post, $"api/invoices/{id}/checkout", new { mode, shippingAddress = Address }, shop.Token(organiser), null, ct);
        if (checkedOut.Status != 200)
            return Done(id, $"checkout: {checkedOut}");
        var shares = checkedOut.Body.GetProperty("shares").EnumerateArray().Select(s => s.GetProperty("memberId").GetString()!).ToList();

        var failure = await PlayAsync(i, plot, id, organiser, shares, answers, refunds, ct);
        return Done(id, failure);
    }

    /// <summary>
    /// The organiser (a person of their own, with a share in every mode: their items, or the whole cart) is the one
    /// whose card is special, and pays last; the other members pay with their pool cards.
    /// </summary>
    private async Task<string?> PlayAsync(int i, InvoicePlot plot, string id, string organiser, List<string> shares,
        List<string> answers, List<RefundRun> refunds, CancellationToken ct)
    {
        var others = shares.Where(s => s != organiser).ToList();
        switch (plot)
        {
            case InvoicePlot.AllPay:
                return await PayAllAsync(i, id, others, answers, ct) ?? await PayAsync(i, id, organiser, organiser, await SaveCardAsync(organiser, "pm_card_visa", ct), answers, ct);
            case InvoicePlot.Cover:
            {
                var card = await SaveCardAsync(organiser, "pm_card_visa", ct);
                if (await PayAllAsync(i, id, others.SkipLast(1).ToList(), answers, ct) is { } bad)
                    return bad;
                foreach (var member in others.TakeLast(1).Append(organiser))
                    if (await PayAsync(i, id, organiser, member, card, answers, ct) is { } bad2)
                        return bad2;
                return null;
            }
            case InvoicePlot.ThreeDSecure:
            {
                if (await PayAllAsync(i, id, others, answers, ct) is { } bad)
                    return bad;
                var paid = await PayAnswerAsync(i, id, organiser, organiser, await SaveCardAsync(organiser, "pm_card_authenticationRequired", ct), "a", ct);
                answers.Add($"{organiser}: {paid.Status} {paid.Code}");
                if (paid.Status != 202)
                    return $"3-D Secure payment of {organiser}: {paid}";
                var intent = paid.Body.GetProperty("payment").GetProperty("paymentIntentId").GetString()!;
                var challenge = await shop.EmulatorAsync($"_emulator/payment_intents/{intent}/authenticate", new { outcome = "succeed" }, ct);
                return challenge.Status == 200 ? null : $"3-D Secure challenge of {intent}: {challenge}";
            }
            case InvoicePlot.Decline:
            {
                if (await PayAllAsync(i, id, others, answers, ct) is { } bad)
                    return bad;
                var saved = await shop.HostAsync(HttpMethod.Post, "api/me/payment-methods", new { paymentMethodId = "pm_card_visa" }, shop.Token(organiser), null, ct);
                if (saved.Status is not (200 or 201))
                    return $"save the card that will decline: {saved}";
                var declined = await shop.EmulatorAsync($"_emulator/payment_methods/{saved.Text("stripePaymentMethodId")}/decline",
                    new { code = "card_declined", declineCode = "insufficient_funds" }, ct);
                if (declined.Status != 200)
                    return $"decline control: {declined}";
                var refused = await PayAnswerAsync(i, id, organiser, organiser, saved.Text("id"), "a", ct);
                answers.Add($"{organiser}: {refused.Status} {refused.Code}");
                if (refused.Status != 402)
                    return $"declining card of {organiser}: {refused}";
                return await PayAsync(i, id, organiser, organiser, await SaveCardAsync(organiser, "pm_card_mastercard", ct), answers, ct, "b");
            }
            case InvoicePlot.CancelDuringFunding:
            {
                var card = await SaveCardAsync(organiser, "pm_card_visa", ct);
                if (await PayAllAsync(i, id, others, answers, ct) is { } bad)
                    return bad;
                var pay = PayAnswerAsync(i, id, organiser, organiser, card, "a", ct);
                var cancel = shop.HostAsync(HttpMethod.Post, $"api/invoices/{id}/cancel", null, shop.Token(organiser), null, ct);
                await Task.WhenAll(pay, cancel);
                answers.Add($"{organiser}: {pay.Result.Status} {pay.Result.Code}");
                answers.Add($"cancel: {cancel.Result.Status} {cancel.Result.Code}");
                // Either may lose the race; each answer must say so plainly (a 4xx with a code), never a 5xx.
                return pay.Result.Status is 201 or 409 && cancel.Result.Status is 200 or 409 ? null : $"race: pay {pay.Result}, cancel {cancel.Result}";
            }
            case InvoicePlot.Deadline:
                // One share is never paid (the organiser's, when it is the only one): the deadline ends it.
                return others.Count == 0 ? null
                    : await PayAllAsync(i, id, others.SkipLast(1).ToList(), answers, ct)
                      ?? await PayAsync(i, id, organiser, organiser, await SaveCardAsync(organiser, "pm_card_visa", ct), answers, ct);
            case InvoicePlot.CancelPartlyPaid:
            {
                var paying = others.Count == 0 ? [] : others.Take(Math.Max(1, others.Count / 2)).ToList();
                if (await PayAllAsync(i, id, paying, answers, ct) is { } bad)
                    return bad;
                if (others.Count == 0 && await PayAsync(i, id, organiser, organiser, await SaveCardAsync(organiser, "pm_card_visa", ct), answers, ct) is { } bad2)
                    return bad2;
                var cancel = await shop.HostAsync(HttpMethod.Post, $"api/invoices/{id}/cancel", null, shop.Token(organiser), null, ct);
                answers.Add($"cancel: {cancel.Status} {cancel.Code}");
                // Organiser mode with its one share paid is funded already: then the cancel is refused.
                return cancel.Status is 200 || (others.Count == 0 && cancel.Status == 409) ? null : $"cancel: {cancel}";
            }
            case InvoicePlot.Refunds:
            {
                // Every other such invoice (they come round every eighth index) has the organiser pay with a card whose refunds fail at the bank.
                var card = await SaveCardAsync(organiser, i / Enum.GetValues<InvoicePlot>().Length % 2 == 1 ? "pm_card_refundFail" : "pm_card_visa", ct);
                if (await PayAllAsync(i, id, others, answers, ct) is { } bad)
                    return bad;
                if (await PayAsync(i, id, organiser, organiser, card, answers, ct) is { } bad2)
                    return bad2;
                if (!await FundedAsync(organiser, id, ct))
                    return "not funded before its refunds";
                refunds.Add(await RefundAsync(id, organiser, organiser, 1000, $"inv-{i}-refund-a", ct));
                if (others.Count > 0)
                    refunds.Add(await RefundAsync(id, organiser, others[0], null, $"inv-{i}-refund-b", ct));
                return refunds.FirstOrDefault(r => r.Status != 201) is { } refused ? $"refund {refused.Key}: {refused.Status} {refused.Code}" : null;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(plot));
        }
    }

    private async Task<string?> PayAllAsync(int i, string id, IReadOnlyList<string> shares, List<string> answers, CancellationToken ct)
    {
        foreach (var member in shares)
            if (await PayAsync(i, id, member, member, Card(member), answers, ct) is { } bad)
                return bad;
        return null;
    }

    private async Task<string?> PayAsync(int i, string id, string payer, string member, string card, List<string> answers, CancellationToken ct, string attempt = "a")
    {
        var paid = await PayAnswerAsync(i, id, payer, member, card, attempt, ct);
        answers.Add($"{member} by {payer}: {paid.Status} {paid.Code}");
        return paid.Status == 201 ? null : $"pay {member} by {payer}: {paid}";
    }

    private Task<Answer> PayAnswerAsync(int i, string id, string payer, string member, string card, string attempt, CancellationToken ct) =>
        shop.HostAsync(HttpMethod.Post, $"api/invoices/{id}/shares/{member}/payments", new { paymentMethodId = card }, shop.Token(payer),
            $"inv-{i}-pay-{member}-{attempt}", ct);

    private async Task<RefundRun> RefundAsync(string id, string organiser, string member, long? amount, string key, CancellationToken ct)
    {
        object body = amount is null ? new { memberId = member, reason = "requested_by_customer" } : new { memberId = member, amount, reason = "requested_by_customer" };
        var answer = await shop.HostAsync(HttpMethod.Post, $"api/invoices/{id}/refunds", body, shop.Token(organiser), key, ct);
        var refunded = answer.Status == 201 ? answer.Body.GetProperty("amount").GetInt64() : amount ?? 0;
        return new RefundRun(key, refunded, answer.Status, answer.Code);
    }

    /// <summary>
    /// The last payment's request funds the invoice, unless an event's handler does it a moment later, or, when a SIGKILL
    /// took the funding run, the sweep once its claim is stale (2 minutes): waits up to five minutes, as the shop's retries do.
    /// </summary>
    private async Task<bool> FundedAsync(string organiser, string id, CancellationToken ct)
    {
        for (var wait = 0; wait < 600; wait++)
        {
            var invoice = await shop.HostAsync(HttpMethod.Get, $"api/invoices/{id}", null, shop.Token(organiser), null, ct);
            if (invoice.Status == 200 && invoice.Text("status") == "funded")
                return true;
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
        return false;
    }

    private string Card(string user)
    {
        lock (_cards)
            return _cards[user];
    }

    /// <summary>Saves a card through the Host (saving the same card again answers the one saved). Answers our card id.</summary>
    private async Task<string> SaveCardAsync(string user, string paymentMethod, CancellationToken ct)
    {
        var answer = await shop.HostAsync(HttpMethod.Post, "api/me/payment-methods", new { paymentMethodId = paymentMethod }, shop.Token(user), null, ct);
        return answer.Status is 200 or 201 ? answer.Text("id") : throw new InvalidOperationException($"{user} could not save {paymentMethod}: {answer}");
    }
}
