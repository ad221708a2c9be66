using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Payments.Core;
using Payments.Core.Webhooks;

namespace Payments.Host.Background;

/// <summary>The Host's timers for the inbox sweep and the resync, run at start-up (catching up after a stop) and then every interval; Functions uses timer triggers.</summary>
public sealed partial class WebhookMaintenanceService(IServiceScopeFactory scopes, IOptions<WebhookOptions> options, ILogger<WebhookMaintenanceService> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        EveryAsync(options.Value.SweepInterval, (ops, ct) => ops.RedeliverStuckAsync(ct), stoppingToken),
        EveryAsync(options.Value.ResyncInterval, (ops, ct) => ops.ResyncAsync(ct), stoppingToken));

    private Task EveryAsync(TimeSpan interval, Func<WebhookOperations, CancellationToken, Task> work, CancellationToken ct) =>
        Periodic.RunAsync(interval, async token =>
        {
            await using var scope = scopes.CreateAsyncScope();
            await work(scope.ServiceProvider.GetRequiredService<WebhookOperations>(), token);
        }, ex => LogFailed(logger, ex), ct);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Error, Message = "Webhook maintenance failed; the next tick tries again")]
    private static partial void LogFailed(ILogger logger, Exception ex);
}
