using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Payments.StripeEmulator;
using Stripe;

namespace Payments.StandIns.Testing;

/// <summary>The Stripe emulator, in process, on a free loopback port.</summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private EmulatorServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Control = new HttpClient { BaseAddress = baseUrl };
    }

    /// <summary>The emulator's root, e.g. <c>http://127.0.0.1:41234/</c>; Stripe's API is under <c>/v1</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>For the unauthenticated control endpoints under <c>/_emulator</c>.</summary>
    public HttpClient Control { get; }

    /// <summary>
    /// Configuration for a fixture that makes requests faster than Stripe answers them and is not testing
    /// the limits: without it the emulator holds every API key to a sandbox's 25 requests per second, as
    /// Stripe does (see the emulator's README, "Rate limits").
    /// </summary>
    public const string RateLimitsOff = "--RateLimits:Mode=off";

    /// <param name="settings">Emulator configuration as command-line arguments, e.g. <see cref="RateLimitsOff"/> or <c>--RateLimits:Mode=live</c>.</param>
    public static async Task<EmulatorServer> StartAsync(params string[] settings)
    {
        var app = StripeEmulatorApp.Build(["--Logging:LogLevel:Default=Warning", .. settings], "http://127.0.0.1:0");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EmulatorServer(app, new Uri(address.TrimEnd('/') + "/"));
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

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
            _clients.Clear();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
