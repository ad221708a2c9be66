using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.Core;
using Payments.FunctionsHostStandIn;
using Payments.Core.Composition;

namespace Payments.Tests.Infrastructure;

/// <summary>
/// The Functions door: the built Payments.Functions under the real isolated worker, driven by the
/// stand-in host (StandIns/Payments.FunctionsHostStandIn) with the same settings as the Host door.
/// Queue work is done by the app's own Service Bus triggers: the stand-in host receives from this
/// door's broker and invokes them in the worker, as Azure's host does. <see cref="Services"/> is Core
/// wired to the same storage, Stripe and broker, for reading stored state (it handles no message).
/// </summary>
public sealed class FunctionsDoor : IPaymentsDoor
{
    private readonly IHost _core;

    private FunctionsDoor(IHost core, FunctionsHost standIn, ServiceBusBrokerServer broker)
    {
        _core = core;
        StandIn = standIn;
        Broker = broker;
        Http = NewClient();
    }

    public FunctionsHost StandIn { get; }
    /// <summary>This door's own broker: the worker sends to it, and the stand-in host receives from it for the triggers.</summary>
    public ServiceBusBrokerServer Broker { get; }
    public Uri BaseUrl => StandIn.BaseUrl;
    public HttpClient Http { get; }
    public IServiceProvider Services => _core.Services;

    /// <summary>
    /// A client whose bare 500s (the host's answer when an invocation fails before our code answers)
    /// fail the test with the worker's last output, which says why.
    /// </summary>
    public HttpClient NewClient() => new(new BareFailureReport(StandIn) { InnerHandler = new HttpClientHandler() }) { BaseAddress = BaseUrl };

    private sealed class BareFailureReport(FunctionsHost standIn) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.StatusCode == System.Net.HttpStatusCode.InternalServerError
                && (await response.Content.ReadAsByteArrayAsync(cancellationToken)).Length == 0)
                throw new InvalidOperationException(
                    $"The stand-in host answered {request.Method} {request.RequestUri} with a bare 500. The worker's last output:\n{standIn.OutputTail}");
            return response;
        }
    }

    public static async Task<FunctionsDoor> StartAsync(string storageConnectionString, Uri stripeEmulator, params string[] extraSettings)
    {
        var broker = await ServiceBusBrokerServer.StartAsync();
        try
        {
            return await StartAsync(storageConnectionString, stripeEmulator, broker, extraSettings);
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    private static async Task<FunctionsDoor> StartAsync(string storageConnectionString, Uri stripeEmulator, ServiceBusBrokerServer broker, string[] extraSettings)
    {
        var settings = new Dictionary<string, string>(FunctionsApp.SampleSchedules(), StringComparer.OrdinalIgnoreCase)
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Testing",
            ["AzureWebJobsStorage"] = storageConnectionString,
        };
        foreach (var setting in PaymentsHostServer.Settings(storageConnectionString, stripeEmulator, broker.ConnectionString, extraSettings))
        {
            var split = setting.IndexOf('=', StringComparison.Ordinal);
            settings[setting[..split]] = setting[(split + 1)..];
        }

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings!);
        builder.Services.AddPayments(builder.Configuration);
        var core = builder.Build();
        await core.StartAsync();
        try
        {
            var standIn = await FunctionsHost.StartAsync(new FunctionsHostStandInOptions
            {
                FunctionAppDirectory = FunctionsApp.Directory,
                AssemblyFile = "Payments.Functions.dll",
                AppSettings = settings,
            });
            ReportLoaded(standIn.LoadReport);
            return new FunctionsDoor(core, standIn, broker);
        }
        catch
        {
            await core.StopAsync();
            core.Dispose();
            throw;
        }
    }

    /// <summary>./test.sh prints this file's lines: how many functions loaded under the real worker.</summary>
    private static void ReportLoaded(FunctionLoadReport report)
    {
        if (Environment.GetEnvironmentVariable("PAYMENTS_FUNCTIONS_REPORT") is { Length: > 0 } path)
            File.AppendAllText(path, report.Summary + Environment.NewLine);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StandIn.DisposeAsync();
        await _core.StopAsync();
        _core.Dispose();
        await Broker.DisposeAsync();
    }
}
