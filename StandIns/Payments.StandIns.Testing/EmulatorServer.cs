using Microsoft.AspNetCore.Builder;
using Payments.StripeEmulator;
using Stripe;

namespace Payments.StandIns.Testing;

/// <summary>The Stripe emulator, in process, on a free loopback port. Stripe's API is under <c>/v1</c> of <see cref="InProcessEmulator.BaseUrl"/>.</summary>
public sealed class EmulatorServer : InProcessEmulator
{
    private readonly List<HttpClient> _clients = [];

    private EmulatorServer(WebApplication app, Uri baseUrl)
        : base(app, baseUrl)
    {
    }

    /// <summary>
    /// Configuration for a fixture that makes requests faster than Stripe answers them and is not testing
    /// the limits: without it the emulator holds every API key to a sandbox's 25 requests per second, as
    /// Stripe does (see the emulator's README, "Rate limits").
    /// </summary>
    public const string RateLimitsOff = "--RateLimits:Mode=off";

    /// <param name="settings">Emulator configuration as command-line arguments, e.g. <see cref="RateLimitsOff"/> or <c>--RateLimits:Mode=live</c>.</param>
    public static async Task<EmulatorServer> StartAsync(params string[] settings)
    {
        var (app, baseUrl) = await StartAppAsync(StripeEmulatorApp.Build, settings);
        return new EmulatorServer(app, baseUrl);
    }

    /// <summary>A Stripe.net client aimed at the emulator, by default without retries so each call is one request.</summary>
    public StripeClient CreateClient(string apiKey = "sk_test_emulator", int maxNetworkRetries = 0)
    {
        var http = new HttpClient();
        lock (_clients)
        {
            _clients.Add(http);
        }

        return new StripeClient(new StripeClientOptions
        {
            ApiKey = apiKey,
            // Stripe.net appends "/v1/..." to this, so no trailing slash.
            ApiBase = BaseUrl.ToString().TrimEnd('/'),
            HttpClient = new SystemNetHttpClient(http, maxNetworkRetries),
        });
    }

    public override async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
            _clients.Clear();
        }

        await base.DisposeAsync();
    }
}
