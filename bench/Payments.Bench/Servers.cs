using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Payments.Core.Webhooks;
using Payments.Host;
using Payments.StripeEmulator;
using Stripe;
using Payments.Core.Messaging;

namespace Payments.Bench;

internal static class Loopback
{
    public const string AnyPort = "http://127.0.0.1:0";

    public static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.TrimEnd('/') + "/");
    }
}

/// <summary>Payments.Host in this process on a free loopback port, with its Service Bus processors running.</summary>
internal sealed class HostUnderTest(WebApplication app, Uri baseUrl, IReadOnlyList<string> settings) : IAsyncDisposable
{
    public const string SigningKey = "bench-signing-key-0123456789-abcdefghijklmnop";

    public Uri WebhookUrl { get; } = new(baseUrl, "api/stripe/webhook");
    public InboxStore Inbox => app.Services.GetRequiredService<InboxStore>();

    /// <summary>The settings the Host ran with, minus the per-run endpoints.</summary>
    public IReadOnlyList<string> Settings => settings;

    public static IReadOnlyList<string> FixedSettings(string webhookSecret, IEnumerable<string> extra) =>
    [
        "Logging:LogLevel:Default=Warning",
        $"Auth:DevelopmentSigningKey={SigningKey}",
        $"Webhooks:Secret={webhookSecret}",
        "Purchases:AuthorizationSweep:Enabled=false",
        "Webhooks:MaintenanceEnabled=false",
        // The Benchmark environment is neither Development nor Testing: ask for the offline shortcuts.
        "Stripe:AllowEmulator=true",
        "Storage:CreateIfMissing=true",
        .. extra,
    ];

    public static async Task<HostUnderTest> StartAsync(string storage, string serviceBus, Uri emulator, IReadOnlyList<string> settings)
    {
        string[] args =
        [
            "--environment=Benchmark",
            $"--urls={Loopback.AnyPort}",
            $"--Storage:ConnectionString={storage}",
            $"--ServiceBusConnection={serviceBus}",
            $"--Stripe:EmulatorUrl={emulator.ToString().TrimEnd('/')}",
            .. settings.Select(s => "--" + s),
        ];
        var app = PaymentsHostApp.Build(args);
        return new HostUnderTest(app, await Loopback.StartAsync(app), settings);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>The baseline: bare Kestrel, one POST that reads the raw body and checks the Stripe signature, nothing else.</summary>
internal sealed class BaselineServer(WebApplication app, Uri baseUrl) : IAsyncDisposable
{
    public Uri WebhookUrl { get; } = new(baseUrl, "webhook");

    public static async Task<BaselineServer> StartAsync(string webhookSecret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Loopback.AnyPort);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        IReadOnlyList<string> secrets = [webhookSecret];
        var tolerance = TimeSpan.FromSeconds(300);
        app.MapPost("/webhook", async (HttpRequest request, CancellationToken ct) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, ct);
            var valid = StripeSignature.IsValid(body.ToArray(), request.Headers["Stripe-Signature"].ToString(), secrets, DateTimeOffset.UtcNow, tolerance);
            // The same small answer the Host gives, so the two differ only in what happens before it.
            return valid ? Results.Ok(new { received = true, duplicate = false }) : Results.BadRequest();
        });
        return new BaselineServer(app, await Loopback.StartAsync(app));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>The offline Stripe in this process, and one PaymentIntent that is none of our purchases.</summary>
internal sealed class Emulator(WebApplication app, Uri baseUrl) : IAsyncDisposable
{
    public Uri BaseUrl { get; } = baseUrl;

    /// <param name="rateLimits">The emulator's rate-limit mode: live, sandbox or off (docs.stripe.com/rate-limits).</param>
    public static async Task<Emulator> StartAsync(string rateLimits)
    {
        var app = StripeEmulatorApp.Build(["--Logging:LogLevel:Default=Warning", $"--RateLimits:Mode={rateLimits}"], Loopback.AnyPort);
        return new Emulator(app, await Loopback.StartAsync(app));
    }

    /// <summary>The subject of every event: its handler reads it back from Stripe, finds no purchase, and is done.</summary>
    public async Task<string> CreatePaymentIntentAsync()
    {
        var client = new StripeClient(new StripeClientOptions
        {
            ApiKey = "sk_test_emulator",
            // Stripe.net appends "/v1/..." to this, so no trailing slash.
            ApiBase = BaseUrl.ToString().TrimEnd('/'),
        });
        var intent = await client.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 1000,
            Currency = "usd",
            AutomaticPaymentMethods = new() { Enabled = true, AllowRedirects = "never" },
        });
        return intent.Id;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
