using Payments.Core.Catalog;
using Payments.Core.Purchases;
using Payments.Core.Stripe;
using Xunit;

namespace Payments.Tests.Purchases;

/// <summary>What a purchase reserves for refunds on their way, and how a lapsed authorization reads.</summary>
public sealed class RefundReservationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly Quote Quote = new("USD", [new QuoteLine("poster", "Poster", "physical", 1, 10000, 10000, 500)], 10000, 1000, 500, 11500);

    private static PaymentIntentSnapshot Intent(string status, long authorized, long received, long refunded = 0, string? reason = null) =>
        new("pi_1", status, "usd", 11500, authorized, 0, received, refunded, null, null, null, new Dictionary<string, string>(), reason);

    private static Purchase CapturedPurchase(long captured)
    {
        var p = Purchase.Start("pur_1", "user", "card_1", Quote, CaptureMethod.Manual, null, Now);
        p.Apply(Intent("succeeded", 11500, captured), Now);
        return p;
    }

    [Fact]
    public void Reservations_hold_what_is_left_until_the_refund_is_counted_or_refused()
    {
        var p = CapturedPurchase(7700);
        Assert.Equal(3800, p.AmountReleased);

        Assert.True(p.TryReserveRefund("a", 5000, Now));
        Assert.True(p.TryReserveRefund("a", 5000, Now));
        Assert.False(p.TryReserveRefund("b", 5000, Now));
        Assert.Equal(2700, p.Refundable);

        // The refund Stripe made for request "a" (its metadata refund_key) is counted and drops that reservation in one step.
        p.ApplyRefund(new RefundSnapshot("re_1", "succeeded", 5000) { RefundKey = "a" }, Now);
        Assert.Equal((PurchaseStatus.PartiallyRefunded, 5000L, 2700L), (p.Status, p.AmountRefunded, p.Refundable));
        Assert.False(p.ReleaseRefund("a", Now));
    }

    [Fact]
    public void Only_reservations_older_than_the_cutoff_are_dropped()
    {
        var p = CapturedPurchase(7700);
        p.TryReserveRefund("old", 3000, Now);
        p.TryReserveRefund("new", 3000, Now.AddMinutes(10));

        Assert.True(p.DropReservationsBefore(Now.AddMinutes(5), Now.AddMinutes(10)));

        Assert.Equal(["new"], p.RefundReservations.Keys);
        Assert.Equal(4700, p.Refundable);
    }

    [Fact]
    public void A_lapsed_authorization_is_expired_and_released_never_refunded()
    {
        var p = Purchase.Start("pur_1", "user", "card_1", Quote, CaptureMethod.Manual, null, Now);
        p.Apply(Intent("requires_capture", 11500, 0), Now);

        Assert.True(p.Apply(Intent("canceled", 11500, 0, reason: "expired"), Now));

        Assert.Equal((PurchaseStatus.Expired, 0L, 0L, 11500L, 0L), (p.Status, p.AmountCaptured, p.AmountRefunded, p.AmountReleased, p.Refundable));
        Assert.False(p.TryReserveRefund("a", 1, Now));
    }
}
