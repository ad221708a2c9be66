using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.StandIns.Testing;
using Payments.StripeEmulator;
using Stripe;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

/// <summary>
/// Stripe's rate limits (docs.stripe.com/rate-limits) through Stripe.net's real HTTP client. Every test
/// freezes the emulator's clock first, so the buckets refill only when the test advances it: a slow
/// machine cannot earn a request a token.
/// </summary>
public sealed class RateLimitTests : EmulatorTest
{
    private const string RateLimitMessage = "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.";

    [Fact]
    public async Task OverAnEndpointsLimitStripeNetGetsStripes429()
    {
        var a = await Stripe.V1.PaymentIntents.CreateAsync(Payment());
        var b = await Stripe.V1.PaymentIntents.CreateAsync(Payment());
        await FreezeClockAsync();
        await LimitsAsync(new { mode = "live" });

        // GET /v1/payment_intents/{id} is one endpoint whatever the id: 25 a second in live mode.
        for (var i = 0; i < 25; i++)
            await Stripe.V1.PaymentIntents.GetAsync(i % 2 == 0 ? a.Id : b.Id);
        var e = await ThrowsStripeAsync(HttpStatusCode.TooManyRequests, "invalid_request_error", () => Stripe.V1.PaymentIntents.GetAsync(b.Id));

        Assert.Equal(("rate_limit", RateLimitMessage, "https://stripe.com/docs/error-codes/rate-limit"),
            (e.StripeError.Code, e.StripeError.Message, e.StripeError.DocUrl));
        var headers = e.StripeResponse.Headers;
        Assert.Equal("endpoint-rate", headers.GetValues("Stripe-Rate-Limited-Reason").Single());
        Assert.StartsWith("req_", e.StripeResponse.RequestId, StringComparison.Ordinal);
        Assert.False(headers.Contains("Retry-After"));
        Assert.False(headers.Contains("Stripe-Should-Retry"));
        // Other endpoints still answer: the account's 100 a second has room.
        await Stripe.V1.PaymentIntents.ListAsync();
        await Stripe.V1.Customers.ListAsync();
        // A refused request is a request: logged with its status.
        var reads = (await RequestLogAsync()).Where(r => r.GetProperty("method").GetString() == "GET"
            && r.GetProperty("path").GetString()!.StartsWith("/v1/payment_intents/", StringComparison.Ordinal));
        Assert.Equal([.. Enumerable.Repeat(200, 25), 429], reads.Select(r => r.GetProperty("status").GetInt32()));
    }

    /// <summary>
    /// Stripe.net 53 retries a 409, a 5xx or what Stripe marks <c>Stripe-Should-Retry: true</c> (a lock
    /// timeout); Stripe sends no such mark on a rate limit, so the client gives up at once.
    /// </summary>
    [Fact]
    public async Task StripeNetRetriesAServerErrorButNotARateLimit()
    {
        var retrying = Server.CreateClient(maxNetworkRetries: 2);
        await FreezeClockAsync();
        await LimitsAsync(new { mode = "sandbox" });
        await Server.FailNextAsync("GET", "/v1/customers", 500, 1);

        await retrying.V1.Customers.ListAsync();
        Assert.Equal(2, await Server.CountRequestsAsync());
        for (var i = 0; i < 24; i++)
            await retrying.V1.Customers.ListAsync();
        var before = await Server.CountRequestsAsync();
        var e = await ThrowsStripeAsync(HttpStatusCode.TooManyRequests, "invalid_request_error", () => retrying.V1.Customers.ListAsync());

        Assert.Equal("rate_limit", e.StripeError.Code);
        Assert.Equal(before + 1, await Server.CountRequestsAsync());
    }

    [Fact]
    public async Task ASandboxsGlobalLimitSpansEndpointsPerAccount()
    {
        await FreezeClockAsync();
        await LimitsAsync(new { mode = "sandbox" });

        for (var i = 0; i < 25; i++)
        {
            await ((i % 3) switch
            {
                0 => (Task)Stripe.V1.Customers.ListAsync(),
                1 => Stripe.V1.PaymentIntents.ListAsync(),
                _ => Stripe.V1.Events.ListAsync(),
            });
        }

        // No endpoint has had more than 9 requests; the account has had 25.
        var e = await ThrowsStripeAsync(HttpStatusCode.TooManyRequests, "invalid_request_error", () => Stripe.V1.Refunds.ListAsync());
        Assert.Equal("global-rate", e.StripeResponse.Headers.GetValues("Stripe-Rate-Limited-Reason").Single());
        // Another API key stands for another account, with a budget of its own.
        await Server.CreateClient("sk_test_another_account").V1.Refunds.ListAsync();
    }

    [Fact]
    public async Task OffNeverAnswers429()
    {
        await FreezeClockAsync();
        await LimitsAsync(new { mode = "sandbox" });
        await LimitsAsync(new { mode = "off" });

        for (var i = 0; i < 120; i++)
            await Stripe.V1.Customers.ListAsync();

        var log = await RequestLogAsync();
        Assert.Equal(120, log.Length);
        Assert.All(log, r => Assert.Equal(200, r.GetProperty("status").GetInt32()));
    }

    [Fact]
    public async Task TheBucketRefillsAsTheEmulatorsClockMovesUpToOneSecondsWorth()
    {
        await FreezeClockAsync();
        await LimitsAsync(new { mode = "sandbox" });
        Assert.Equal(25, await ListUntilRefusedAsync());

        // 0.1 s at 25 a second is 2.5 tokens: two requests.
        await AdvanceClockAsync(0.1);
        Assert.Equal(2, await ListUntilRefusedAsync());

        // Ten idle seconds still hold one second's burst, not ten.
        await AdvanceClockAsync(10);
        Assert.Equal(25, await ListUntilRefusedAsync());
    }

    /// <summary>Stripe saves a key's result only once an endpoint began executing; the limiter refuses before that.</summary>
    [Fact]
    public async Task ARateLimitedPostIsNotSavedUnderItsIdempotencyKey()
    {
        var options = new CustomerCreateOptions { Email = "limited@example.com" };
        var key = new RequestOptions { IdempotencyKey = "create-limited" };
        await FreezeClockAsync();
        await LimitsAsync(new { mode = "sandbox" });
        Assert.Equal(25, await ListUntilRefusedAsync());

        var e = await ThrowsStripeAsync(HttpStatusCode.TooManyRequests, "invalid_request_error", () => Stripe.V1.Customers.CreateAsync(options, key));
        Assert.False(e.StripeResponse.Headers.Contains("Idempotent-Replayed"));
        await AdvanceClockAsync(1);
        var created = await Stripe.V1.Customers.CreateAsync(options, key);
        var replayed = await Stripe.V1.Customers.CreateAsync(options, key);

        Assert.False(created.StripeResponse.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal((created.Id, "true"), (replayed.Id, replayed.StripeResponse.Headers.GetValues("Idempotent-Replayed").Single()));
        Assert.Equal(created.Id, Assert.Single((await Stripe.V1.Customers.ListAsync()).Data).Id);
        var posts = (await RequestLogAsync("/v1/customers")).Where(r => r.GetProperty("method").GetString() == "POST").ToArray();
        Assert.Equal([(429, false), (200, false), (200, true)],
            posts.Select(r => (r.GetProperty("status").GetInt32(), r.GetProperty("replayed").GetBoolean())));
    }

    [Fact]
    public async Task ASandboxIsTheDefaultAndConfigurationSetsTheLimitsThatResetRestores()
    {
        await using var plain = await EmulatorServer.StartAsync();
        Assert.Equal(("sandbox", 25, 25), await SettingsAsync(plain));

        await using var configured = await EmulatorServer.StartAsync("--RateLimits:Mode=live", "--RateLimits:EndpointPerSecond=2");
        Assert.Equal(("live", 100, 2), await SettingsAsync(configured));
        (await configured.Control.PostAsync("/_emulator/clock/freeze", null)).EnsureSuccessStatusCode();
        var client = configured.CreateClient();
        await client.V1.Customers.ListAsync();
        await client.V1.Customers.ListAsync();
        var e = await ThrowsStripeAsync(HttpStatusCode.TooManyRequests, "invalid_request_error", () => client.V1.Customers.ListAsync());
        Assert.Equal("endpoint-rate", e.StripeResponse.Headers.GetValues("Stripe-Rate-Limited-Reason").Single());

        (await configured.Control.PostAsJsonAsync("/_emulator/rate_limits", new { mode = "off" })).EnsureSuccessStatusCode();
        (await configured.Control.PostAsync("/_emulator/reset", null)).EnsureSuccessStatusCode();
        Assert.Equal(("live", 100, 2), await SettingsAsync(configured));
    }

    [Fact]
    public void AnUnknownModeStopsTheStart()
    {
        var e = Assert.Throws<InvalidOperationException>(() => StripeEmulatorApp.Build(["--RateLimits:Mode=fast"], "http://127.0.0.1:0"));
        Assert.Contains("mode must be sandbox, live or off", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheControlSetsAPresetAndNumbersOverIt()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await ControlAsync("/_emulator/rate_limits", new { mode = "fast" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ControlAsync("/_emulator/rate_limits", new { mode = "off", globalPerSecond = 5 })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ControlAsync("/_emulator/rate_limits", new { mode = "live", endpointPerSecond = 0 })).Status);
        Assert.Equal(("off", 0, 0), await SettingsAsync(Server));

        await LimitsAsync(new { mode = "live", globalPerSecond = 3 });
        Assert.Equal(("live", 3, 25), await SettingsAsync(Server));
        await LimitsAsync(new { endpointPerSecond = 7 });
        Assert.Equal(("live", 3, 7), await SettingsAsync(Server));
        await LimitsAsync(new { mode = "sandbox" });
        Assert.Equal(("sandbox", 25, 25), await SettingsAsync(Server));
    }

    [Fact]
    public async Task AFrozenClockMovesOnlyWhenAdvancedAndRunsOnFromWhereItStood()
    {
        await FreezeClockAsync();
        var frozen = (await ControlAsync("/_emulator/clock/advance", new { seconds = 3600 })).Body;
        var (status, running) = await ControlAsync("/_emulator/clock/unfreeze");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(frozen.GetProperty("frozen").GetBoolean());
        Assert.False(running.GetProperty("frozen").GetBoolean());
        Assert.InRange(running.GetProperty("now").GetInt64(), frozen.GetProperty("now").GetInt64(), frozen.GetProperty("now").GetInt64() + 60);
        Assert.True(frozen.GetProperty("now").GetInt64() >= DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3590);
        Assert.Equal(HttpStatusCode.BadRequest, (await ControlAsync("/_emulator/clock/advance", new { seconds = -1 })).Status);
    }

    /// <summary>Lists customers until Stripe refuses; answers how many were let through.</summary>
    private async Task<int> ListUntilRefusedAsync()
    {
        for (var admitted = 0; admitted < 1000; admitted++)
        {
            try
            {
                await Stripe.V1.Customers.ListAsync();
            }
            catch (StripeException e) when (e.HttpStatusCode == HttpStatusCode.TooManyRequests)
            {
                return admitted;
            }
        }

        throw new InvalidOperationException("No request was refused.");
    }

    private async Task LimitsAsync(object settings) =>
        Assert.Equal(HttpStatusCode.OK, (await ControlAsync("/_emulator/rate_limits", settings)).Status);

    private async Task FreezeClockAsync()
    {
        var (status, body) = await ControlAsync("/_emulator/clock/freeze");
        Assert.Equal((HttpStatusCode.OK, true), (status, body.GetProperty("frozen").GetBoolean()));
    }

    private async Task AdvanceClockAsync(double seconds) =>
        Assert.Equal(HttpStatusCode.OK, (await ControlAsync("/_emulator/clock/advance", new { seconds })).Status);

    private static async Task<(string?, int, int)> SettingsAsync(EmulatorServer server)
    {
        var s = await server.Control.GetFromJsonAsync<JsonElement>("/_emulator/rate_limits");
        return (s.GetProperty("mode").GetString(), s.GetProperty("globalPerSecond").GetInt32(), s.GetProperty("endpointPerSecond").GetInt32());
    }
}
