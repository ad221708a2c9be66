using System.Collections.Concurrent;
using System.Globalization;

namespace Payments.Bench.Faults;

/// <summary>A store checkout as the shopper saw it. Failure: why it did not get through (null when it did).</summary>
internal sealed record CheckoutRun(int Index, string SaleId, bool Subscription, int Devices, string AdminEmail, string? Failure);

/// <summary>A refund asked for: its key, amount and the answer's status and code.</summary>
internal sealed record RefundRun(string Key, long Amount, int Status, string? Code);

/// <summary>A purchase as the shopper and the staff saw it.</summary>
internal sealed record PurchaseRun(int Index, string UserId, string PurchaseId, bool Manual, long Total, int CaptureStatus,
    IReadOnlyList<RefundRun> Refunds, string? Failure);

/// <summary>
/// The load: store checkouts (half with the subscription, each with its own admin email; 0–3 devices) completed
/// on the emulator's "Stripe page", and purchases with a saved card (30 % authorized then captured by staff,
/// half of those in part; 30 % refunded, some twice, some asking for more than is left), interleaved in a
/// seeded order by a fixed number of shoppers in flight.
/// </summary>
internal sealed class Shoppers(Shop shop, FaultOptions options)
{
    private readonly ConcurrentBag<CheckoutRun> _checkouts = [];
    private readonly ConcurrentBag<PurchaseRun> _purchases = [];
    private readonly ConcurrentBag<InvoiceRun> _invoices = [];
    private readonly InvoiceShoppers _invoiceShoppers = new(shop, options);
    private readonly Dictionary<string, string> _cards = new(StringComparer.Ordinal);
    private int _done;

    public IReadOnlyList<CheckoutRun> Checkouts => [.. _checkouts.OrderBy(c => c.Index)];

    public IReadOnlyList<PurchaseRun> Purchases => [.. _purchases.OrderBy(p => p.Index)];

    public IReadOnlyList<InvoiceRun> Invoices => [.. _invoices.OrderBy(p => p.Index)];

    /// <summary>Units done (checkouts, purchases and invoices) out of <see cref="Total"/>.</summary>
    public int Done => Volatile.Read(ref _done);

    public int Total => options.Checkouts + options.Purchases + options.Invoices;

    private int Buyers => Math.Max(1, (options.Purchases + 4) / 5);

    private static string Buyer(int k) => $"buyer-{k:D4}";

    /// <summary>Every buyer saves pm_card_visa once (through the same faults), before the purchases start.</summary>
    public async Task SaveCardsAsync(CancellationToken ct)
    {
        await _invoiceShoppers.SaveCardsAsync(ct);
        if (options.Purchases == 0)
            return;
        await Parallel.ForEachAsync(Enumerable.Range(0, Buyers), new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct },
            async (k, token) =>
            {
                var user = Buyer(k);
                var answer = await shop.HostAsync(HttpMethod.Post, "api/me/payment-methods", new { paymentMethodId = "pm_card_visa" }, shop.Token(user), null, token);
                if (answer.Status is not (200 or 201))
                    throw new InvalidOperationException($"{user} could not save a card: {answer}");
                lock (_cards)
                    _cards[user] = answer.Text("id");
            });
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var units = Enumerable.Range(0, options.Checkouts).Select(i => (Kind: 'c', Index: i))
            .Concat(Enumerable.Range(0, options.Purchases).Select(i => (Kind: 'p', Index: i)))
            .Concat(Enumerable.Range(0, options.Invoices).Select(i => (Kind: 'i', Index: i)))
            .ToArray();
        new Random(options.Seed).Shuffle(units);
        await Parallel.ForEachAsync(units, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct },
            async (unit, token) =>
            {
                switch (unit.Kind)
                {
                    case 'c': _checkouts.Add(await CheckoutAsync(unit.Index, token)); break;
                    case 'p': _purchases.Add(await PurchaseAsync(unit.Index, token)); break;
                    default: _invoices.Add(await _invoiceShoppers.RunAsync(unit.Index, token)); break;
                }
                Interlocked.Increment(ref _done);
            });
    }

    private async Task<CheckoutRun> CheckoutAsync(int i, CancellationToken ct)
    {
        var subscription = i % 2 == 0;
        var devices = subscription ? i % 4 : 1 + i % 3;
        var adminEmail = $"admin-{i:D5}@campaign.test";
        var user = $"store-{i % 50:D2}";
        var started = await shop.HostAsync(HttpMethod.Post, "api/checkout-sessions", new
        {
            devices,
            subscription,
            name = $"Campaign Org {i.ToString(CultureInfo.InvariantCulture)}",
            adminEmail,
            shippingAddress = new { line1 = $"{i.ToString(CultureInfo.InvariantCulture)} Main St", city = "Springfield", state = "IL", postalCode = "62701", country = "US" },
        }, shop.Token(user), $"checkout-{i}", ct);
        if (started.Status is not (200 or 201))
            return new CheckoutRun(i, "", subscription, devices, adminEmail, $"checkout-sessions: {started}");

        // The customer pays on Stripe's page (the emulator), not through our proxies.
        var paid = await shop.EmulatorAsync($"_emulator/checkout/sessions/{started.Text("sessionId")}/complete", new { paymentMethod = "pm_card_visa" }, ct);
        var failure = paid.Status is 200 or 409 ? null : $"complete: {paid}";
        return new CheckoutRun(i, started.Text("saleId"), subscription, devices, adminEmail, failure);
    }

    private async Task<PurchaseRun> PurchaseAsync(int i, CancellationToken ct)
    {
        var user = Buyer(i % Buyers);
        string card;
        lock (_cards)
            card = _cards[user];
        var manual = i % 10 < 3;
        object[] items = (i % 3) switch
        {
            0 => [new { productId = "livestream", quantity = 1 }],
            1 => [new { productId = "livestream", quantity = 1 }, new { productId = "meet-and-greet", quantity = 1 }],
            _ => [new { productId = "livestream", quantity = 1 }, new { productId = "meet-and-greet", quantity = 1 }, new { productId = "poster", quantity = 1 }],
        };
        var body = new Dictionary<string, object> { ["items"] = items, ["paymentMethodId"] = card };
        if (manual)
            body["captureMethod"] = "manual";
        var bought = await shop.HostAsync(HttpMethod.Post, "api/me/purchases", body, shop.Token(user), $"purchase-{i}", ct);
        if (bought.Status is not (200 or 201))
            return new PurchaseRun(i, user, "", manual, 0, 0, [], $"purchase: {bought}");
        var id = bought.Text("id");
        var total = bought.Body.GetProperty("total").GetInt64();
        var admin = shop.Token("staff", admin: true);

        var captureStatus = 0;
        var captured = total;
        if (manual)
        {
            // Half capture it all, half capture less (the rest is released).
            var partial = i % 2 == 1;
            captured = partial ? total - 1000 : total;
            var capture = await shop.HostAsync(HttpMethod.Post, $"api/purchases/{id}/capture",
                partial ? new Dictionary<string, object> { ["amount"] = captured } : new Dictionary<string, object>(), admin, null, ct);
            captureStatus = capture.Status;
            if (capture.Status != 200 && capture.Code != "already_captured")
                return new PurchaseRun(i, user, id, manual, total, captureStatus, [], $"capture: {capture}");
        }

        var refunds = new List<RefundRun>();
        if (i % 10 is 0 or 4 or 7)
        {
            refunds.Add(await RefundAsync(id, $"refund-{i}-a", 1000, admin, ct));
            // i % 10 == 4 asks for more than is left (must be refused); i % 10 == 7 refunds a little more (allowed).
            if (i % 10 == 4)
                refunds.Add(await RefundAsync(id, $"refund-{i}-b", captured, admin, ct));
            else if (i % 10 == 7)
                refunds.Add(await RefundAsync(id, $"refund-{i}-b", 500, admin, ct));
        }
        var failure = refunds.FirstOrDefault(r => r.Status != 201 && r.Code != "refund_exceeds_captured") is { } bad
            ? $"refund {bad.Key}: {bad.Status} {bad.Code}"
            : null;
        return new PurchaseRun(i, user, id, manual, total, captureStatus, refunds, failure);
    }

    private async Task<RefundRun> RefundAsync(string purchaseId, string key, long amount, string admin, CancellationToken ct)
    {
        var answer = await shop.HostAsync(HttpMethod.Post, $"api/purchases/{purchaseId}/refunds",
            new { amount, reason = "requested_by_customer" }, admin, key, ct);
        return new RefundRun(key, amount, answer.Status, answer.Code);
    }
}
