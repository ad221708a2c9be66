namespace Payments.Core.Invoices;

/// <summary>
/// The ended email's sentence about one payer's money, in the words of how they paid: a card payment was taken from
/// their card and is refunded to it (pending refunds are "with the bank"); a PayPal payment was taken through PayPal
/// and is refunded to their PayPal account (pending refunds are "with PayPal"). A payer who paid both ways (their own
/// share by card, another's through PayPal) is told of each. Telling a PayPal payer their card was charged sends them
/// looking on a card statement for money that never touched it.
/// </summary>
public static class InvoiceEndedMoney
{
    /// <summary>"Nothing was charged" only when nothing this member paid was captured; else what was taken and given back, per way of paying.</summary>
    public static string Of(Invoice invoice, string payerId)
    {
        var paid = invoice.Payments.Where(p => p.PayerId == payerId).ToList();
        var captured = paid.Where(p => p.Status == InvoicePaymentStatus.Captured).ToList();
        if (captured.Count == 0)
            return $"{Released(paid)}; nothing was charged.";
        var taken = captured.GroupBy(p => p.Paypal is not null).OrderBy(g => g.Key) // cards first, as before PayPal
            .Select(g => TakenAndRefunded(invoice, g.ToList(), g.Key ? PaypalWords : CardWords));
        return $"{string.Join("; ", taken)}; any other authorization has been released.";
    }

    private sealed record Words(string TakenFrom, string RefundedTo, string StillWith, string Hold);

    private static readonly Words CardWords = new("taken from your card", "refunded to it", "still with the bank", "card authorization");
    private static readonly Words PaypalWords = new("taken through PayPal", "refunded to your PayPal account", "still with PayPal", "PayPal authorization");

    /// <summary>What the payer's payments held (never captured) and what became of it, in the words of each way they paid.</summary>
    private static string Released(List<InvoicePayment> paid)
    {
        var ways = paid.Select(p => p.Paypal is not null).Distinct().Order().Select(paypal => (paypal ? PaypalWords : CardWords).Hold).ToList();
        return ways.Count == 0
            ? "No payment of yours was held toward it"
            : $"Any {string.Join(" or ", ways)} toward it has been released";
    }

    private static string TakenAndRefunded(Invoice invoice, List<InvoicePayment> captured, Words words)
    {
        var currency = captured[0].Currency;
        var refunds = invoice.Refunds.Where(r => captured.Any(p => p.Id == r.PaymentId) && InvoiceWire.RefundGivesBack(r.Status)).ToList();
        var done = refunds.Where(r => r.Status == "succeeded").Sum(r => r.Amount);
        var pending = refunds.Sum(r => r.Amount) - done;
        var refunded = pending == 0
            ? $"{new Money(done, currency)} has been {words.RefundedTo}"
            : $"{new Money(done + pending, currency)} is being {words.RefundedTo} ({new Money(pending, currency)} {words.StillWith})";
        return $"{new Money(captured.Sum(p => p.Amount), currency)} was {words.TakenFrom} toward it and {refunded}";
    }
}
