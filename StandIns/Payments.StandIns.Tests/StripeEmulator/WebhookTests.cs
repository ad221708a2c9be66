using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.StandIns.Testing;
using Payments.StripeEmulator;
using Stripe;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class WebhookTests : EmulatorTest, IAsyncLifetime
{
    private const string Secret = "whsec_test_known_secret";

    private WebhookReceiver Receiver { get; set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        Receiver = await WebhookReceiver.StartAsync(Secret);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await DisposeAsync();
    }

    private async Task<JsonElement> RegisterAsync(string[]? events = null, string secret = Secret)
    {
        var (status, body) = await ControlAsync("/_emulator/webhook_endpoints", new { url = Receiver.Url.ToString(), secret, enabledEvents = events ?? ["*"] });
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    private async Task DeliveryAsync(object settings)
    {
        var (status, body) = await ControlAsync("/_emulator/webhook_delivery", settings);
        Assert.True(status == HttpStatusCode.OK, body.ToString());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> FlushAsync() => await ControlAsync("/_emulator/webhook_delivery/flush");

    private async Task FlushedAsync()
    {
        var (status, body) = await FlushAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetProperty("pending").GetInt32());
    }

    private async Task<JsonElement[]> DeliveriesAsync() =>
        (await Server.Control.GetFromJsonAsync<JsonElement>("/_emulator/webhook_deliveries")).EnumerateArray().ToArray();

    private async Task<PaymentIntent> PayAsync() =>
        await Stripe.V1.PaymentIntents.CreateAsync(Payment(2000, "pm_card_visa", confirm: true));

    [Fact]
    public async Task EventsArriveSignedAsStripeNetVerifiesThem()
    {
        var endpoint = await RegisterAsync();
        Assert.Equal(Secret, endpoint.GetProperty("secret").GetString());
        Assert.StartsWith("we_", endpoint.GetProperty("id").GetString(), StringComparison.Ordinal);

        await PayAsync();
        await FlushedAsync();

        var hits = Receiver.Hits;
        Assert.Equal(3, hits.Count);
        Assert.All(hits, h =>
        {
            Assert.Null(h.Error);
            Assert.Equal("Stripe/1.0 (+https://stripe.com/docs/webhooks)", h.UserAgent);
            Assert.Equal("application/json; charset=utf-8", h.ContentType);
            Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", h.Signature);
        });
        // In emission order, typed by Stripe.net.
        Assert.Equal(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"], hits.Select(h => h.Event!.Type));
        Assert.IsType<PaymentIntent>(hits[2].Event!.Data.Object);

        // The body is the event as GET /v1/events lists it (pending_webhooks was 1 while it was on its way).
        using var http = new HttpClient { BaseAddress = Server.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_raw");
        using var listed = JsonDocument.Parse(await http.GetStringAsync($"v1/events?type={hits[0].Event!.Type}"));
        var served = Assert.Single(listed.RootElement.GetProperty("data").EnumerateArray()).GetRawText();
        Assert.Equal(served, hits[0].Json.Replace("\"pending_webhooks\":1", "\"pending_webhooks\":0", StringComparison.Ordinal));
        Assert.Contains("\"pending_webhooks\":1", hits[0].Json, StringComparison.Ordinal);
        Assert.All((await Stripe.V1.Events.ListAsync()).Data, e => Assert.Equal(0, e.PendingWebhooks));

        // A wrong secret does not verify: the signature really is over the body.
        Receiver.Secret = "whsec_wrong";
        await DeliveryAsync(new { maxAttempts = 1 });
        await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        await FlushedAsync();
        Assert.Contains("signature", Receiver.Hits[^1].Error, StringComparison.OrdinalIgnoreCase);

        var log = await DeliveriesAsync();
        Assert.Equal(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"], log.Take(3).Select(d => d.GetProperty("type").GetString()));
        Assert.All(log.Take(3), d =>
        {
            Assert.Equal((1, 200), (d.GetProperty("attempt").GetInt32(), d.GetProperty("status").GetInt32()));
            Assert.Equal(endpoint.GetProperty("id").GetString(), d.GetProperty("endpointId").GetString());
        });
    }

    [Fact]
    public async Task ACheckoutsEventsAreDeliveredInEmissionOrder()
    {
        await RegisterAsync();
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());
        await CompleteCheckoutAsync(session.Id);
        await FlushedAsync();

        Assert.Equal(await EventTypesAsync(), Receiver.Accepted.Select(e => e.Type));
        var completed = (global::Stripe.Checkout.Session)Receiver.Accepted[0].Data.Object;
        Assert.Equal((session.Id, "complete"), (completed.Id, completed.Status));
    }

    [Fact]
    public async Task FailedDeliveriesAreRetriedWithBackoffUntilA2xx()
    {
        await RegisterAsync(["payment_intent.succeeded"]);
        // 500, then a redirect (Stripe counts 3xx as failure), then success.
        Receiver.Respond = (_, attempt) => attempt switch { 1 => 500, 2 => 302, _ => 200 };

        var intent = await PayAsync();
        await FlushedAsync();

        var attempts = await DeliveriesAsync();
        Assert.Equal([(1, 500), (2, 302), (3, 200)], attempts.Select(d => (d.GetProperty("attempt").GetInt32(), d.GetProperty("status").GetInt32())));
        var times = attempts.Select(d => d.GetProperty("deliveredAt").GetDateTimeOffset()).ToArray();
        // Default backoff: 250 ms, then 500 ms.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(200), $"{times[1] - times[0]}");
        Assert.True(times[2] - times[1] >= TimeSpan.FromMilliseconds(450), $"{times[2] - times[1]}");
        Assert.Equal(3, Receiver.Hits.Count);
        Assert.Equal(intent.Id, ((PaymentIntent)Receiver.Accepted.Single().Data.Object).Id);
        Assert.Equal(0, (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "payment_intent.succeeded" })).Data.Single().PendingWebhooks);
    }

    [Fact]
    public async Task DeliveryGivesUpAfterMaxAttemptsAndTheEventStaysPending()
    {
        await RegisterAsync(["payment_intent.succeeded"]);
        await DeliveryAsync(new { maxAttempts = 3, retryDelayMs = 10 });
        Receiver.Respond = (_, _) => 503;

        await PayAsync();
        await FlushedAsync();

        Assert.Equal([1, 2, 3], (await DeliveriesAsync()).Select(d => d.GetProperty("attempt").GetInt32()));
        var evt = (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "payment_intent.succeeded" })).Data.Single();
        Assert.Equal(1, evt.PendingWebhooks);
        var undelivered = await GetJsonAsync("/v1/events?delivery_success=false");
        Assert.Equal([evt.Id], undelivered.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        // Events nobody wanted count as delivered.
        Assert.Equal(2, (await GetJsonAsync("/v1/events?delivery_success=true")).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task ASlowAnswerTimesOutAndIsRetried()
    {
        await RegisterAsync(["payment_intent.created"]);
        await DeliveryAsync(new { timeoutMs = 1000, retryDelayMs = 10 });
        Receiver.Delay = (_, attempt) => attempt == 1 ? TimeSpan.FromSeconds(3) : TimeSpan.Zero;

        await PayAsync();
        await FlushedAsync();

        var attempts = await DeliveriesAsync();
        Assert.Equal([(1, 0), (2, 200)], attempts.Select(d => (d.GetProperty("attempt").GetInt32(), d.GetProperty("status").GetInt32())));
        Assert.Contains("1000 ms", attempts[0].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DuplicatesDeliverEveryEventSeveralTimesEachSignedAfresh()
    {
        await RegisterAsync();
        await DeliveryAsync(new { duplicates = 3 });

        var intent = await PayAsync();
        await FlushedAsync();

        Assert.Equal(9, Receiver.Accepted.Count);
        Assert.All(Receiver.Accepted.GroupBy(e => e.Id), g => Assert.Equal(3, g.Count()));
        Assert.Equal([1, 2, 3], (await DeliveriesAsync()).Where(d => d.GetProperty("type").GetString() == "payment_intent.succeeded")
            .Select(d => d.GetProperty("copy").GetInt32()).Order());
        Assert.Equal(intent.Id, ((PaymentIntent)Receiver.Accepted[^1].Data.Object).Id);
        Assert.All(await Stripe.V1.Events.ListAsync(), e => Assert.Equal(0, e.PendingWebhooks));
    }

    [Fact]
    public async Task DuplicatePercentDuplicatesOnlyThatShareOfEvents()
    {
        await RegisterAsync();
        await DeliveryAsync(new { duplicates = 2, duplicatePercent = 0 });
        await PayAsync();
        await FlushedAsync();
        Assert.Equal(3, Receiver.Accepted.Count);

        await DeliveryAsync(new { duplicatePercent = 100 });
        await PayAsync();
        await FlushedAsync();
        Assert.Equal(3 + 6, Receiver.Accepted.Count);
        Assert.All(Receiver.Accepted.Skip(3).GroupBy(e => e.Id), g => Assert.Equal(2, g.Count()));

        var status = await Server.Control.GetFromJsonAsync<JsonElement>("/_emulator/webhook_delivery");
        Assert.Equal(100, status.GetProperty("settings").GetProperty("duplicatePercent").GetInt32());
    }

    [Fact]
    public async Task ConcurrencyLetsSeveralDeliveriesToOneEndpointBeInFlight()
    {
        await RegisterAsync();
        await DeliveryAsync(new { concurrency = 3 });
        var inFlight = 0;
        var most = 0;
        Receiver.Delay = (_, _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            lock (Receiver)
                most = Math.Max(most, now);
            return TimeSpan.FromMilliseconds(300);
        };
        Receiver.Respond = (_, _) =>
        {
            Interlocked.Decrement(ref inFlight);
            return 200;
        };

        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());
        await CompleteCheckoutAsync(session.Id);
        await FlushedAsync();

        Assert.Equal((await EventTypesAsync()).Order(), Receiver.Accepted.Select(e => e.Type).Order());
        Assert.Equal(3, most);
    }

    [Fact]
    public async Task ShuffleDeliversABatchInRandomOrder()
    {
        await RegisterAsync();
        await DeliveryAsync(new { shuffle = true });
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions());

        await CompleteCheckoutAsync(session.Id);
        await FlushedAsync();

        var emitted = await EventTypesAsync();
        var received = Receiver.Accepted.Select(e => e.Type).ToList();
        Assert.Equal(emitted.Order(), received.Order());
        // Eleven events in emission order by chance: about 1 in 10! (the first may go out before the rest are queued).
        Assert.NotEqual(emitted, received);
    }

    [Fact]
    public async Task DroppedEventsAreNeverDeliveredButStillListed()
    {
        await RegisterAsync();
        await DeliveryAsync(new { dropTypes = (string[])["charge.succeeded"], dropNext = 1 });

        await PayAsync();
        await FlushedAsync();

        // payment_intent.created went to dropNext, charge.succeeded to dropTypes.
        Assert.Equal(["payment_intent.succeeded"], Receiver.Accepted.Select(e => e.Type));
        Assert.Equal(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"], await EventTypesAsync());
        var status = await Server.Control.GetFromJsonAsync<JsonElement>("/_emulator/webhook_delivery");
        Assert.Equal(0, status.GetProperty("settings").GetProperty("dropNext").GetInt32());
        Assert.Equal(["dropNext", "dropTypes"], status.GetProperty("dropped").EnumerateArray().Select(d => d.GetProperty("reason").GetString()));

        // What a resync looks for: the events that never reached the endpoint.
        var missed = await GetJsonAsync("/v1/events?delivery_success=false");
        Assert.Equal(["charge.succeeded", "payment_intent.created"], missed.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("type").GetString()));

        // dropNext is used up; dropTypes stays until changed.
        await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        await FlushedAsync();
        Assert.Equal("customer.created", Receiver.Accepted[^1].Type);
    }

    [Fact]
    public async Task PausedDeliveriesWaitForUnpauseAndFlush()
    {
        await RegisterAsync();
        await RegisterAsync(["payment_intent.succeeded"]);
        await DeliveryAsync(new { paused = true });

        await PayAsync();
        await Task.Delay(300);
        Assert.Empty(Receiver.Hits);
        var (status, body) = await FlushAsync();
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal((4, true), (body.GetProperty("pending").GetInt32(), body.GetProperty("paused").GetBoolean()));
        // Two endpoints want payment_intent.succeeded.
        Assert.Equal(2, (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "payment_intent.succeeded" })).Data.Single().PendingWebhooks);

        await DeliveryAsync(new { paused = false });
        await FlushedAsync();

        Assert.Equal(4, Receiver.Accepted.Count);
        Assert.All((await Stripe.V1.Events.ListAsync()).Data, e => Assert.Equal(0, e.PendingWebhooks));
    }

    [Fact]
    public async Task ADelayHoldsEachDelivery()
    {
        await RegisterAsync(["payment_intent.created", "payment_intent.succeeded"]);
        await DeliveryAsync(new { delayMs = 200 });
        var before = DateTimeOffset.UtcNow;

        await PayAsync();
        await FlushedAsync();

        var hits = Receiver.Hits;
        Assert.Equal(2, hits.Count);
        Assert.True(hits[0].At - before >= TimeSpan.FromMilliseconds(190));
        Assert.True(hits[1].At - hits[0].At >= TimeSpan.FromMilliseconds(190));
    }

    [Fact]
    public async Task ResetForgetsEndpointsDeliveriesAndSettings()
    {
        await RegisterAsync();
        await DeliveryAsync(new { duplicates = 2, paused = true });
        await PayAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await Server.Control.PostAsync("/_emulator/reset", null)).StatusCode);

        var status = await Server.Control.GetFromJsonAsync<JsonElement>("/_emulator/webhook_delivery");
        Assert.Equal((0, 1, false), (status.GetProperty("pending").GetInt32(), status.GetProperty("settings").GetProperty("duplicates").GetInt32(),
            status.GetProperty("settings").GetProperty("paused").GetBoolean()));
        Assert.Empty(await DeliveriesAsync());
        Assert.Empty((await Server.Control.GetFromJsonAsync<JsonElement>("/_emulator/webhook_endpoints")).EnumerateArray());
        await PayAsync();
        await FlushedAsync();
        Assert.Empty(Receiver.Hits);
    }

    [Fact]
    public async Task BadDeliverySettingsAreRefused()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await ControlAsync("/_emulator/webhook_delivery", new { duplicates = 0 })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ControlAsync("/_emulator/webhook_delivery", new { duplicatePercent = 101 })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ControlAsync("/_emulator/webhook_delivery", new { concurrency = 0 })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ControlAsync("/_emulator/webhook_endpoints", new { url = "ftp://x" })).Status);
        // Nothing pending: flush answers at once.
        await FlushedAsync();
    }

    [Fact]
    public async Task AnEndpointCanBeConfiguredAtStartup()
    {
        await using var emulator = await EmulatorServer.StartAsync(
            "--Webhook:Url=" + Receiver.Url, "--Webhook:Secret=whsec_configured", "--Webhook:RetryDelayMs=10");
        var stripe = emulator.CreateClient("sk_test_configured");
        var control = emulator.Control;
        Receiver.Secret = "whsec_configured";

        var endpoint = Assert.Single((await control.GetFromJsonAsync<JsonElement>("/_emulator/webhook_endpoints")).EnumerateArray());
        Assert.Equal((Receiver.Url.ToString(), StripeEmulatorApp.ApiVersion, "whsec_configured"),
            (endpoint.GetProperty("url").GetString(), endpoint.GetProperty("api_version").GetString(), endpoint.GetProperty("secret").GetString()));
        Assert.Equal(["*"], endpoint.GetProperty("enabled_events").EnumerateArray().Select(e => e.GetString()));
        var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "configured@example.com" });
        (await control.PostAsync("/_emulator/webhook_delivery/flush", null)).EnsureSuccessStatusCode();
        Assert.Equal(customer.Id, ((Customer)Assert.Single(Receiver.Accepted).Data.Object).Id);

        // Reset keeps the configured endpoint (with a new id): it is configuration, not state.
        await emulator.ResetAsync();
        Assert.NotEqual(endpoint.GetProperty("id").GetString(),
            Assert.Single((await control.GetFromJsonAsync<JsonElement>("/_emulator/webhook_endpoints")).EnumerateArray()).GetProperty("id").GetString());
        await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions());
        (await control.PostAsync("/_emulator/webhook_delivery/flush", null)).EnsureSuccessStatusCode();
        Assert.Equal(2, Receiver.Accepted.Count);
    }
}
