using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.StandIns.Testing;
using Stripe;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class IdempotencyTests : EmulatorTest
{
    private static RequestOptions Key(string key) => new() { IdempotencyKey = key };

    [Fact]
    public async Task SameKeyAndParametersReplayTheFirstResponse()
    {
        var options = new CustomerCreateOptions { Email = "once@example.com", Metadata = new() { ["user_id"] = "u1" } };

        var first = await Stripe.V1.Customers.CreateAsync(options, Key("create-u1"));
        var second = await Stripe.V1.Customers.CreateAsync(options, Key("create-u1"));

        Assert.Equal(first.Id, second.Id);
        Assert.Equal("true", second.StripeResponse.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single((await Stripe.V1.Customers.ListAsync()).Data);
        var log = await RequestLogAsync("/v1/customers");
        Assert.Equal([false, true], log.Where(r => r.GetProperty("method").GetString() == "POST").Select(r => r.GetProperty("replayed").GetBoolean()));
        Assert.All(log.Take(2), r => Assert.Equal("create-u1", r.GetProperty("idempotencyKey").GetString()));
    }

    [Fact]
    public async Task SameKeyWithOtherParametersIsAnIdempotencyError()
    {
        await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "a@example.com" }, Key("k1"));

        var e = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "idempotency_error",
            () => Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "b@example.com" }, Key("k1")));

        Assert.StartsWith("Keys for idempotent requests can only be used with the same parameters", e.StripeError.Message, StringComparison.Ordinal);
        Assert.Single((await Stripe.V1.Customers.ListAsync()).Data);
    }

    [Fact]
    public async Task KeysAreScopedByApiKey()
    {
        var a = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("shared"));
        var b = await Server.CreateClient("sk_test_other").V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("shared"));

        Assert.NotEqual(a.Id, b.Id);
    }

    [Fact]
    public async Task ARequestWhileTheKeyIsStillExecutingGets409KeyInUseAndALaterRetryReplays()
    {
        var options = new CustomerCreateOptions { Email = "race@example.com" };
        await FaultAsync(new { method = "POST", pathPrefix = "/v1/customers", when = "during_execution", delayMs = 700 });

        var slow = Stripe.V1.Customers.CreateAsync(options, Key("race"));
        await WaitForRequestsAsync(1);
        var clash = await ThrowsStripeAsync(HttpStatusCode.Conflict, "idempotency_error", () => Stripe.V1.Customers.CreateAsync(options, Key("race")));
        var first = await slow;

        Assert.Equal("idempotency_key_in_use", clash.StripeError.Code);
        var retry = await Stripe.V1.Customers.CreateAsync(options, Key("race"));
        Assert.Equal(first.Id, retry.Id);
        Assert.Single((await Stripe.V1.Customers.ListAsync()).Data);
    }

    [Fact]
    public async Task A500DuringExecutionIsSavedAndReplayedButOneBeforeExecutionIsNot()
    {
        await FaultAsync(new { method = "POST", pathPrefix = "/v1/customers", status = 500, when = "during_execution" });
        await ThrowsStripeAsync(HttpStatusCode.InternalServerError, "api_error", () => Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("saved-500")));
        var replay = await ThrowsStripeAsync(HttpStatusCode.InternalServerError, "api_error", () => Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("saved-500")));
        Assert.Equal("true", replay.StripeResponse.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Empty((await Stripe.V1.Customers.ListAsync()).Data);

        await FaultAsync(new { method = "POST", pathPrefix = "/v1/customers", status = 503 });
        await ThrowsStripeAsync(HttpStatusCode.ServiceUnavailable, "api_error", () => Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("edge-503")));
        Assert.NotNull(await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("edge-503")));
    }

    [Fact]
    public async Task A500AfterTheEffectIsSavedWhileTheObjectExists()
    {
        await FaultAsync(new { method = "POST", pathPrefix = "/v1/customers", status = 500, when = "after_execution" });
        var options = new CustomerCreateOptions { Metadata = new() { ["user_id"] = "lost-answer" } };

        await ThrowsStripeAsync(HttpStatusCode.InternalServerError, "api_error", () => Stripe.V1.Customers.CreateAsync(options, Key("after")));
        await ThrowsStripeAsync(HttpStatusCode.InternalServerError, "api_error", () => Stripe.V1.Customers.CreateAsync(options, Key("after")));

        var created = Assert.Single((await Stripe.V1.Customers.ListAsync()).Data);
        Assert.Equal("lost-answer", created.Metadata["user_id"]);
    }

    [Fact]
    public async Task AKeyLivesTwentyFourHoursOnTheEmulatorsClock()
    {
        var first = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("daily"));
        await AdvanceClockAsync(TimeSpan.FromHours(23));
        Assert.Equal(first.Id, (await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("daily"))).Id);

        await AdvanceClockAsync(TimeSpan.FromHours(1));
        var later = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions(), Key("daily"));

        Assert.NotEqual(first.Id, later.Id);
        Assert.False(later.StripeResponse.Headers.Contains("Idempotent-Replayed"));
    }

    private Task FaultAsync(object fault) => Server.FaultAsync(fault);

    private async Task AdvanceClockAsync(TimeSpan by) =>
        (await Server.Control.PostAsJsonAsync("/_emulator/clock/advance", new { seconds = (long)by.TotalSeconds })).EnsureSuccessStatusCode();

    /// <summary>The request log records a request when it ends, so wait for the slow one to have started by polling for its fault being used.</summary>
    private async Task WaitForRequestsAsync(int started)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await Server.Control.GetFromJsonAsync<JsonElement>("/_emulator/faults")).GetArrayLength() >= started)
        {
            Assert.True(DateTime.UtcNow < deadline, "the slow request never started");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task CardErrorsAndStateErrorsAreSavedButValidationFailuresAreNot()
    {
        var customer = await NewCustomerAsync();
        var attach = new PaymentMethodAttachOptions { Customer = customer.Id };

        var first = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa_chargeDeclined", attach, Key("attach-1")));
        var replay = await ThrowsStripeAsync(HttpStatusCode.PaymentRequired, "card_error",
            () => Stripe.V1.PaymentMethods.AttachAsync("pm_card_visa_chargeDeclined", attach, Key("attach-1")));
        Assert.Equal(first.StripeError.Message, replay.StripeError.Message);
        Assert.True((await RequestLogAsync("/v1/payment_methods/pm_card_visa_chargeDeclined/attach"))[1].GetProperty("replayed").GetBoolean());

        // A 400 leaves the key free: the corrected request runs, with the same key.
        var bad = new CustomerCreateOptions();
        bad.AddExtraParam("nonsense", "1");
        await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error", () => Stripe.V1.Customers.CreateAsync(bad, Key("create-2")));
        var created = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "fixed" }, Key("create-2"));
        Assert.Equal("fixed", created.Name);

        // A refusal once the endpoint ran (here: nothing to capture) is saved like any answer.
        var open = await Stripe.V1.PaymentIntents.CreateAsync(Payment(1000));
        await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CaptureAsync(open.Id, new PaymentIntentCaptureOptions(), Key("capture-early")));
        var again = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.PaymentIntents.CaptureAsync(open.Id, new PaymentIntentCaptureOptions(), Key("capture-early")));
        Assert.Equal("payment_intent_unexpected_state", again.StripeError.Code);
        Assert.True(again.StripeResponse.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task ParameterOrderDoesNotMatter()
    {
        using var http = new HttpClient { BaseAddress = Server.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_raw");

        async Task<(HttpStatusCode, string)> PostAsync(string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/customers")
            {
                Content = new StringContent(body, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
            request.Headers.Add("Idempotency-Key", "ordered");
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var first = await PostAsync("email=x%40example.com&metadata[a]=1&metadata[b]=2");
        var second = await PostAsync("metadata%5Bb%5D=2&email=x@example.com&metadata[a]=1");

        Assert.Equal(HttpStatusCode.OK, first.Item1);
        Assert.Equal(first, second);
    }
}
