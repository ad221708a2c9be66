using System.Net;
using Payments.Core;
using Payments.Core.Invoices;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Invoices.InvoiceTestKit;
using static Payments.Tests.Invoices.PaypalShareKit;

namespace Payments.Tests.Invoices;

/// <summary>
/// The ended invoice's email to each member says where their money went in the words of how they paid: a card payer's
/// card, a PayPal payer's PayPal account. Through the Host, against the Stripe and PayPal emulators and the SMTP sink.
/// </summary>
[Collection(StoreTestGroup.Name)]
public sealed class PaypalShareEmailTests(StoreFixture store)
{
    private IPaymentsDoor Host => store.Door;

    [Fact]
    public async Task A_canceled_invoice_tells_the_PayPal_payer_of_PayPal_and_the_card_payer_of_their_card()
    {
        var (id, alice, bob, alicesShare, bobsShare) = await TwoOfUsAsync(Host);
        // Bob's PayPal payment is reviewed: funding captures Alice's card and leaves his capture PENDING.
        var orderId = await BobAuthorizesWithPaypalAsync(store.Paypal, id, bob, "pending_review");
        await HttpAssert.JsonAsync(await PayAsync(alice, id, alice.UserId, await alice.SaveCardAsync()), HttpStatusCode.Created);
        var captureId = (await StoredPaymentAsync(Host, id, orderId)).Paypal!.CaptureId!;

        // Alice cancels: her card is refunded; the ending waits for PayPal's word on Bob's capture, which completes and is refunded.
        var ending = await HttpAssert.JsonAsync(await alice.Client.PostAsync($"/api/invoices/{id}/cancel", null), HttpStatusCode.Accepted);
        Assert.Equal("ending", ending.GetProperty("status").GetString());
        await store.Paypal.CompleteCaptureAsync(captureId);
        // PayPal's PAYMENT.CAPTURE.COMPLETED reaches the webhook; its handler finishes the ending.
        await HttpAssert.EventuallyAsync(async () => (await Host.Get<InvoiceStore>().GetAsync(id, default)).Status == InvoiceStatus.Canceled, "the invoice canceled");
        var ended = await Host.Get<InvoiceStore>().GetAsync(id, default);
        Assert.Equal((InvoiceStatus.Canceled, bobsShare), (ended.Status, ended.Share(bob.UserId)!.AmountRefunded));

        var bobs = await EndedEmailAsync(bob);
        Assert.Contains($"{Usd(bobsShare)} was taken through PayPal toward it and {Usd(bobsShare)} has been refunded to your PayPal account", bobs);
        Assert.DoesNotContain("card", bobs, StringComparison.OrdinalIgnoreCase);
        var alices = await EndedEmailAsync(alice);
        Assert.Contains($"{Usd(alicesShare)} was taken from your card toward it and {Usd(alicesShare)} has been refunded to it", alices);
        Assert.DoesNotContain("PayPal", alices);
    }

    [Fact]
    public async Task A_PayPal_authorization_released_by_the_ending_is_told_as_PayPal_not_a_card()
    {
        var (id, alice, bob, _, _) = await TwoOfUsAsync(Host);
        await BobAuthorizesWithPaypalAsync(store.Paypal, id, bob);

        await HttpAssert.JsonAsync(await alice.Client.PostAsync($"/api/invoices/{id}/cancel", null), HttpStatusCode.OK);

        var bobs = await EndedEmailAsync(bob);
        Assert.Contains("Any PayPal authorization toward it has been released; nothing was charged.", bobs);
        Assert.DoesNotContain("card", bobs, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("No payment of yours was held toward it; nothing was charged.", await EndedEmailAsync(alice));
    }

    private static string Usd(long amount) => new Money(amount, "USD").ToString();

    /// <summary>The member's "canceled" email, its quoted-printable soft line breaks undone.</summary>
    private async Task<string> EndedEmailAsync(Person person)
    {
        await HttpAssert.EventuallyAsync(() => Task.FromResult(store.Smtp.To(person.Email).Any(m => m.Subject.Contains("canceled"))), $"{person.UserId}'s ended email");
        return store.Smtp.To(person.Email).Single(m => m.Subject.Contains("canceled")).Data.Replace("=\r\n", "", StringComparison.Ordinal);
    }
}
