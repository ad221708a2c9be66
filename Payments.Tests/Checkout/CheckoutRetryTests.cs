using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Payments.Core.Stripe;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Checkout;

/// <summary>
/// A checkout retried with its Idempotency-Key after Stripe's answers were lost (the session was made,
/// the Host never heard) sends Stripe the same request under the same key, and gets the same session.
/// Found by the fault campaign: the session's expiry was computed from "now" on every try, so the retry
/// differed and Stripe refused it as an idempotency error.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class CheckoutRetryTests(PaymentsFixture fixture)
{
    /// <summary>Forwards every request; loses the answers of the first <c>count</c> checkout-session creations.</summary>
    private sealed class LoseCheckoutAnswers(int count) : DelegatingHandler
    {
        private int _lost;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/v1/checkout/sessions" && Interlocked.Increment(ref _lost) <= count)
            {
                response.Dispose();
                throw new HttpRequestException("The answer was lost on the way back.");
            }
            return response;
        }
    }

    [Fact]
    public async Task A_checkout_retried_after_its_answers_were_lost_a_minute_later_gets_the_same_session()
    {
        var clock = new ShiftedClock();
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl, services =>
        {
            services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
            // Every try Stripe.net makes (one retry in tests) loses its answer.
            services.AddHttpClient(nameof(StripeGateway)).AddHttpMessageHandler(() => new LoseCheckoutAnswers(2));
        });
        using var client = host.ClientFor(PaymentsFixture.NewUserId("buyer"));
        var key = Guid.NewGuid().ToString();
        HttpRequestMessage Order()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout-sessions")
            {
                Content = JsonContent.Create(new
                {
                    devices = 2, subscription = false, name = "Acme Labs", adminEmail = $"ops-{Guid.NewGuid():n}@example.test",
                    shippingAddress = new { line1 = "1 Main St", city = "Springfield", postalCode = "62701", country = "US" },
                }),
            };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }
        var order = Order();
        var body = await order.Content!.ReadAsStringAsync();

        await HttpAssert.ProblemAsync(await client.SendAsync(order), 502, "payment_provider_unavailable");
        clock.Offset = TimeSpan.FromMinutes(1);
        var retry = Order();
        retry.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var started = await HttpAssert.JsonAsync(await client.SendAsync(retry), HttpStatusCode.Created);

        var sessions = (await fixture.Stripe.RequestsAsync())
            .Where(r => r.GetProperty("path").GetString() == "/v1/checkout/sessions" && r.GetProperty("method").GetString() == "POST"
                && r.GetProperty("idempotencyKey").GetString()!.EndsWith($"checkout:{started.GetProperty("saleId").GetString()}", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(3, sessions.Count); // two lost answers, then the retry
        // Counted at Stripe: one session for this sale, however many requests asked for it.
        Assert.Single(await fixture.Stripe.CheckoutSessionsAsync("sale_id", started.GetProperty("saleId").GetString()!));
        var session = await fixture.Stripe.CreateClient().V1.Checkout.Sessions.GetAsync(started.GetProperty("sessionId").GetString()!);
        Assert.Equal(started.GetProperty("sessionId").GetString(), session.Id);
    }
}
