using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Http;
using Payments.Host;

namespace Payments.Tests.Infrastructure;

/// <summary>
/// Payments.Host on a real loopback socket, wired to the test's Azurite and Stripe emulator, with a
/// Service Bus broker of its own (a host's processors take every message on the broker's queues, so
/// two hosts never share one).
/// </summary>
public sealed class PaymentsHostServer : IPaymentsDoor
{
    public const string SigningKey = "test-signing-key-0123456789-abcdefghijklmnop";
    public const string WebhookSecret = "whsec_test_secret_for_the_host";

    /// <summary>Short retry delays, so a test sees a message retried and dead-lettered in seconds (three attempts).</summary>
    public static readonly string[] ShortRetries = ["Queues:RetryDelays:0=00:00:00.200", "Queues:RetryDelays:1=00:00:00.400"];

    private readonly WebApplication _app;

    private PaymentsHostServer(WebApplication app, Uri baseUrl, ServiceBusBrokerServer broker)
    {
        _app = app;
        BaseUrl = baseUrl;
        Broker = broker;
        Http = new HttpClient { BaseAddress = baseUrl };
    }

    public ServiceBusBrokerServer Broker { get; }
    public Uri BaseUrl { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => _app.Services;

    public static AuthOptions Auth => new() { DevelopmentSigningKey = SigningKey };

    public static Task<PaymentsHostServer> StartAsync(string storageConnectionString, Uri stripeEmulator, params string[] extraSettings) =>
        StartAsync(storageConnectionString, stripeEmulator, null, extraSettings);

    /// <param name="configureServices">Replaces or decorates services after the Host registered its own (see PaymentsHostApp.Build).</param>
    public static async Task<PaymentsHostServer> StartAsync(
        string storageConnectionString, Uri stripeEmulator, Action<IServiceCollection>? configureServices, params string[] extraSettings)
    {
        var broker = await ServiceBusBrokerServer.StartAsync();
        string[] args =
        [
            "--environment=Testing",
            "--urls=http://127.0.0.1:0",
            .. Settings(storageConnectionString, stripeEmulator, broker.ConnectionString, extraSettings).Select(s => "--" + s),
        ];
        try
        {
            var app = PaymentsHostApp.Build(args, configureServices);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new PaymentsHostServer(app, new Uri(address), broker);
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>The settings every door under test gets (<c>Key:Sub=value</c>; later ones win).</summary>
    public static string[] Settings(string storageConnectionString, Uri stripeEmulator, string serviceBusConnection, params string[] extraSettings) =>
        [
            $"Storage:ConnectionString={storageConnectionString}",
            $"Stripe:EmulatorUrl={stripeEmulator.ToString().TrimEnd('/')}",
            "Stripe:MaxNetworkRetries=1",
            $"Auth:DevelopmentSigningKey={SigningKey}",
            $"ServiceBusConnection={serviceBusConnection}",
            "Logging:LogLevel:Default=Warning",
            "Catalog:SeedDevelopmentProducts=true",
            "Purchases:AuthorizationSweep:Enabled=false",
            "Webhooks:MaintenanceEnabled=false",
            // A run compares (and repairs) every object in the window: tests run it when they mean to.
            "Reconciliation:Enabled=false",
            $"Webhooks:Secret={WebhookSecret}",
            "Email:SmtpPort=1",
            // Emails waiting on an invoice that is funding or ending look again sooner than in production (2 s, 15 s).
            "Invoices:EmailRecheckWhileFunding=00:00:00.300",
            "Invoices:EmailRecheckWhileEnding=00:00:00.500",
            .. extraSettings,
        ];

    public static string Token(string userId, params string[] roles) => DevelopmentTokens.Mint(Auth, userId, roles);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
