using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Core.Cards;
using Payments.Core.Http;
using Payments.Tests.Infrastructure;

namespace Payments.Tests.Invoices;

/// <summary>A signed-in person with an email address (for the invoice's emails) and a client for the Host.</summary>
public sealed record Person(string UserId, string Email, HttpClient Client);

/// <summary>Shared steps: people, saved cards, the golden three-member invoice, keyed payments.</summary>
public static class InvoiceTestKit
{
    public static readonly object Address = new { name = "Alice Example", line1 = "1 Main St", city = "Springfield", state = "IL", postalCode = "62701", country = "US" };

    public static Person PersonFor(IPaymentsDoor host, string hint)
    {
        var userId = PaymentsFixture.NewUserId(hint);
        var email = $"{userId}@example.test";
        var client = new HttpClient { BaseAddress = host.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new("Bearer", DevelopmentTokens.Mint(PaymentsHostServer.Auth, userId, null, email));
        return new Person(userId, email, client);
    }

    public static async Task<string> SaveCardAsync(this Person person, string paymentMethod = "pm_card_visa") =>
        (await HttpAssert.JsonAsync(await person.Client.PostAsJsonAsync("/api/me/payment-methods", new { paymentMethodId = paymentMethod }), HttpStatusCode.Created))
            .GetProperty("id").GetString()!;

    public static async Task<string> StripeIdOfAsync(IPaymentsDoor host, Person person, string cardId) =>
        (await host.Get<CardStore>().FindAsync(person.UserId, cardId, default))!.Card.StripePaymentMethodId;

    /// <summary>The README's invoice: Alice (organiser) 2 livestreams, Bob a meet-and-greet, Carol a poster; 21400 USD to the US.</summary>
    public static async Task<(string InvoiceId, Person Alice, Person Bob, Person Carol)> GoldenInvoiceAsync(IPaymentsDoor host)
    {
        var (alice, bob, carol) = (PersonFor(host, "alice"), PersonFor(host, "bob"), PersonFor(host, "carol"));
        var created = await HttpAssert.JsonAsync(await alice.Client.PostAsJsonAsync("/api/invoices", new { title = "Tour merch" }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await HttpAssert.JsonAsync(await bob.Client.PostAsync($"/api/invoices/{id}/members", null), HttpStatusCode.Created);
        await HttpAssert.JsonAsync(await carol.Client.PostAsync($"/api/invoices/{id}/members", null), HttpStatusCode.Created);
        await SetItemsAsync(alice, id, new { productId = "livestream", quantity = 2 });
        await SetItemsAsync(bob, id, new { productId = "meet-and-greet", quantity = 1 });
        await SetItemsAsync(carol, id, new { productId = "poster", quantity = 1 });
        return (id, alice, bob, carol);
    }

    public static async Task<JsonElement> SetItemsAsync(Person person, string invoiceId, params object[] items) =>
        await HttpAssert.JsonAsync(await person.Client.PutAsJsonAsync($"/api/invoices/{invoiceId}/items", new { items }), HttpStatusCode.OK);

    public static async Task<JsonElement> CheckOutAsync(Person organiser, string invoiceId, string mode) =>
        await HttpAssert.JsonAsync(
            await organiser.Client.PostAsJsonAsync($"/api/invoices/{invoiceId}/checkout", new { mode, shippingAddress = Address }), HttpStatusCode.OK);

    /// <summary>Pays <paramref name="memberId"/>'s share; no card means a client-confirmed PaymentIntent.</summary>
    public static Task<HttpResponseMessage> PayAsync(Person payer, string invoiceId, string memberId, string? cardId, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/invoices/{invoiceId}/shares/{Uri.EscapeDataString(memberId)}/payments")
        {
            Content = JsonContent.Create(cardId is null ? new { } : (object)new { paymentMethodId = cardId }),
        };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return payer.Client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostKeyedAsync(Person person, string url, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return person.Client.SendAsync(request);
    }

    public static async Task<JsonElement> GetAsync(Person person, string invoiceId) =>
        await HttpAssert.JsonAsync(await person.Client.GetAsync($"/api/invoices/{invoiceId}"), HttpStatusCode.OK);

    /// <summary>
    /// Waits for the invoice to read funded. The last payment's request funds it, unless the handler of a
    /// payment event holds the funding claim at that moment: then that handler does, a moment later.
    /// </summary>
    public static async Task<JsonElement> FundedAsync(Person person, string invoiceId)
    {
        var invoice = default(JsonElement);
        await HttpAssert.EventuallyAsync(async () => (invoice = await GetAsync(person, invoiceId)).GetProperty("status").GetString() == "funded", "the invoice funded");
        return invoice;
    }

    public static JsonElement ShareOf(JsonElement invoice, Person member) =>
        invoice.GetProperty("shares").EnumerateArray().Single(s => s.GetProperty("memberId").GetString() == member.UserId);

    /// <summary>
    /// What Stripe holds for this invoice, counted as Stripe counts it: its PaymentIntents (our
    /// <c>invoice_id</c> metadata), all of them or those in <paramref name="status"/> ("succeeded": captured,
    /// "canceled": voided). Objects, not our idempotency keys: an intent Stripe made behind a lost answer counts,
    /// a replay under the same key does not.
    /// </summary>
    public static async Task<int> StripeIntentsAsync(EmulatorServer stripe, string invoiceId, string? status = null) =>
        (await stripe.PaymentIntentsAsync("invoice_id", invoiceId)).Count(i => status is null || i.Status == status);
}
