using System.Net;
using System.Text.Json;
using Payments.Core.Health;
using Payments.Core.Stripe;
using Payments.ServiceBusBroker;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Http;

/// <summary>The probes, anonymous through either door: live, and ready with each dependency named.</summary>
public abstract class HealthTests(DoorFixture fixture)
{
    [Fact]
    public async Task Live_and_ready_answer_without_a_token_and_name_each_dependency()
    {
        var live = await fixture.Door.Http.GetAsync("/api/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("""{"status":"live"}""", await live.Content.ReadAsStringAsync());

        var ready = await fixture.Door.Http.GetAsync("/api/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var body = (await JsonDocument.ParseAsync(await ready.Content.ReadAsStreamAsync())).RootElement;
        Assert.Equal("ready", body.GetProperty("status").GetString());
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c);
        Assert.Equal(["serviceBus", "stripe", "tables"], checks.Keys.Order(StringComparer.Ordinal));
        Assert.All(checks.Values, c => Assert.True(c.GetProperty("up").GetBoolean(), c.ToString()));
        Assert.StartsWith("the emulator at ", checks["stripe"].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>Through Payments.Host.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class HealthThroughTheHost(PaymentsFixture fixture) : HealthTests(fixture)
{
    [Fact]
    public async Task Ready_answers_503_naming_service_bus_when_it_cannot_be_reached_while_live_stays_200()
    {
        await using var host = await PaymentsHostServer.StartAsync(fixture.Azurite.ConnectionString, fixture.Stripe.BaseUrl,
            $"ServiceBusConnection={BrokerApp.ConnectionStringFor(LoopbackPorts.Closed())}");

        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/api/health/live")).StatusCode);
        var ready = await host.Http.GetAsync("/api/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = (await JsonDocument.ParseAsync(await ready.Content.ReadAsStreamAsync())).RootElement;
        Assert.Equal("not_ready", body.GetProperty("status").GetString());
        var down = body.GetProperty("checks").EnumerateArray().Where(c => !c.GetProperty("up").GetBoolean()).ToList();
        Assert.Equal("serviceBus", Assert.Single(down).GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(down[0].GetProperty("detail").GetString()));
    }

}

/// <summary>Through Payments.Functions under the real worker.</summary>
[Collection(FunctionsTestGroup.Name)]
public sealed class HealthThroughFunctions(FunctionsFixture fixture) : HealthTests(fixture);

/// <summary>The Stripe check: the emulator is ready only where it is meant to run; elsewhere a resolved key must be set.</summary>
public sealed class StripeReadinessTests
{
    [Theory]
    [InlineData("Development", null, true, "the emulator at http://127.0.0.1:12111")]
    [InlineData("Testing", "", true, "the emulator at http://127.0.0.1:12111")]
    [InlineData("Production", null, false, "Stripe:SecretKey is not set")]
    [InlineData("Production", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/stripe)", false, "Stripe:SecretKey is a Key Vault reference that did not resolve")]
    [InlineData("Production", "sk_live_123", true, "live mode key")]
    [InlineData("Staging", "rk_test_123", true, "test mode key")]
    public void Names_what_is_wrong_and_never_the_key(string environment, string? key, bool up, string detail)
    {
        var check = Readiness.StripeCheck(new StripeOptions { SecretKey = key }, environment);
        Assert.Equal(new HealthCheck("stripe", up, detail), check);
    }

    [Fact]
    public void The_emulator_is_ready_anywhere_it_is_allowed_explicitly()
    {
        Assert.True(Readiness.StripeCheck(new StripeOptions { AllowEmulator = true }, "Benchmark").Up);
        Assert.False(Readiness.StripeCheck(new StripeOptions { AllowEmulator = false }, "Development").Up);
    }
}
