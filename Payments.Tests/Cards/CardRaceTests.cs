using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Payments.Core.Cards;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;

namespace Payments.Tests.Cards;

/// <summary>Card dedupe under its awkward cases: a reissued card after expiry, and one card saved through several payment methods at once.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class CardRaceTests(PaymentsFixture fixture)
{
    private StripeClient Stripe => fixture.Stripe.CreateClient();

    private async Task<string> NewPaymentMethodAsync(string magicId = "pm_card_visa") =>
        (await Stripe.V1.PaymentMethods.GetAsync(magicId)).Id;

    private async Task<IReadOnlyList<PaymentMethod>> AttachedAsync(string customerId) =>
        (await Stripe.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customerId, Type = "card", Limit = 100 })).Data;

    [Fact]
    public async Task An_expired_card_is_replaced_by_its_reissue_and_retired()
    {
        var clock = new ShiftedClock();
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var user = PaymentsFixture.NewUserId();
        using var client = host.ClientFor(user);
        var original = await NewPaymentMethodAsync();
        var expired = await HttpAssert.JsonAsync(
            await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = original }), HttpStatusCode.Created);

        // Live past the card's expiry month; the bank reissues the same number with a later expiry.
        var expiry = new DateTimeOffset(expired.GetProperty("expYear").GetInt32(), expired.GetProperty("expMonth").GetInt32(), 1, 0, 0, 0, TimeSpan.Zero);
        clock.Offset = expiry.AddMonths(2) - DateTimeOffset.UtcNow;
        var reissueYear = expiry.Year + 4;
        var reissue = await HttpAssert.JsonAsync(await fixture.Stripe.Control.PostAsJsonAsync(
            $"/_emulator/payment_methods/{original}/reissue", new { expMonth = 6, expYear = reissueYear }), HttpStatusCode.OK);
        var reissueId = reissue.GetProperty("id").GetString()!;
        Assert.Equal(
            (await Stripe.V1.PaymentMethods.GetAsync(original)).Card.Fingerprint,
            reissue.GetProperty("card").GetProperty("fingerprint").GetString());

        var saved = await HttpAssert.JsonAsync(
            await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = reissueId }), HttpStatusCode.Created);

        Assert.NotEqual(expired.GetProperty("id").GetString(), saved.GetProperty("id").GetString());
        Assert.Equal("live", saved.GetProperty("status").GetString());
        Assert.Equal(reissueYear, saved.GetProperty("expYear").GetInt32());
        var old = (await host.Get<CardStore>().FindAsync(user, expired.GetProperty("id").GetString()!, default))!.Card;
        Assert.False(old.Active);
        Assert.Equal(CardStatus.Expired, old.StoredStatus);
        var usable = await HttpAssert.JsonAsync(await client.GetAsync("/api/me/payment-methods"), HttpStatusCode.OK);
        Assert.Equal([saved.GetProperty("id").GetString()], usable.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("id").GetString()));

        // Saving the reissue again answers it; the retired card's payment method leaves the Stripe customer.
        var again = await HttpAssert.JsonAsync(
            await client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = reissueId }), HttpStatusCode.OK);
        Assert.Equal(saved.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        var customerId = (await host.Get<CustomerAccounts>().FindAsync(user, default))!;
        await HttpAssert.EventuallyAsync(async () => (await AttachedAsync(customerId)).Select(p => p.Id).SequenceEqual([reissueId]),
            "only the reissued card attached");
        await HttpAssert.EventuallyAsync(async () => (await host.Get<CardStore>().FindAsync(user, old.Id, default))!.Card.DetachedAt is not null,
            "the retired card recorded as detached");
    }

    [Fact]
    public async Task Racing_saves_of_one_card_through_different_payment_methods_keep_one_attachment()
    {
        // Several users at once widen the window between one save's claim and its card row.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RaceOneUserAsync()));
    }

    private async Task RaceOneUserAsync()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = fixture.Host.ClientFor(user);
        var paymentMethods = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => NewPaymentMethodAsync("pm_card_mastercard")));

        var responses = await Task.WhenAll(paymentMethods.Select(pm => client.PostJsonAsync("/api/me/payment-methods", new { paymentMethodId = pm })));

        var cards = new List<JsonElement>();
        foreach (var response in responses)
            cards.Add(await HttpAssert.JsonAsync(response, response.StatusCode is HttpStatusCode.OK ? HttpStatusCode.OK : HttpStatusCode.Created));
        Assert.Single(cards.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.Single(cards.Select(c => c.GetProperty("stripePaymentMethodId").GetString()).Distinct());
        var kept = cards[0].GetProperty("stripePaymentMethodId").GetString()!;
        Assert.Single(await fixture.Host.Get<CardStore>().ListAsync(user, default));
        var customerId = (await fixture.Host.Get<CustomerAccounts>().FindAsync(user, default))!;
        Assert.Equal([kept], (await AttachedAsync(customerId)).Select(p => p.Id));
    }
}
