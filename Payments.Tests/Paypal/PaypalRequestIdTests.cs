using Payments.Core.Paypal;
using Xunit;

namespace Payments.Tests.Paypal;

public sealed class PaypalRequestIdTests
{
    [Fact]
    public void A_request_id_is_derived_from_our_ids_and_names_one_effect()
    {
        Assert.Equal("invoice-inv_1-share-mem_2-order-1", PaypalRequestId.InvoiceShareOrder("inv_1", "mem_2", 1).Value);
        Assert.Equal("invoice-inv_1-share-mem_2-order-2", PaypalRequestId.InvoiceShareOrder("inv_1", "mem_2", 2).Value);
        Assert.Equal("purchase-pur_9-order", PaypalRequestId.PurchaseOrder("pur_9").Value);
        Assert.Equal("order-5O190127TN364715T-capture", PaypalRequestId.OrderCapture("5O190127TN364715T").Value);
        Assert.Equal(PaypalRequestId.Of("refund", "pur_9", "key-1"), PaypalRequestId.Of("refund", "pur_9", "key-1"));
    }

    [Fact]
    public void Parts_that_do_not_fit_become_a_digest_that_stays_the_same_and_stays_unique()
    {
        var longUser = new string('u', 120);
        var first = PaypalRequestId.InvoiceShareOrder("inv_1", longUser, 1);
        var again = PaypalRequestId.InvoiceShareOrder("inv_1", longUser, 1);
        var other = PaypalRequestId.InvoiceShareOrder("inv_1", longUser, 2);
        var odd = PaypalRequestId.Of("invoice", "auth0|user with spaces");

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.All(new[] { first, other, odd }, id =>
        {
            Assert.InRange(id.Value.Length, 1, PaypalRequestId.MaxLength);
            Assert.Matches("^[A-Za-z0-9_.:-]+$", id.Value);
        });
        Assert.StartsWith("invoice-h", first.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_part_or_attempt_zero_is_refused()
    {
        Assert.Throws<ArgumentException>(() => PaypalRequestId.Of());
        Assert.Throws<ArgumentException>(() => PaypalRequestId.Of("purchase", ""));
        Assert.Throws<ArgumentOutOfRangeException>(() => PaypalRequestId.InvoiceShareOrder("inv_1", "mem_1", 0));
    }
}
