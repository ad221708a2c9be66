using Azure;
using Azure.Data.Tables;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.Core.Stripe;

namespace Payments.Core.Health;

/// <summary>One dependency as a readiness probe saw it: up, or down with why (never a secret).</summary>
public sealed record HealthCheck(string Name, bool Up, string Detail);

/// <summary>
/// What the app needs to take work, checked the cheapest way each allows: one table query (the webhook
/// inbox, where every Stripe event lands first), one peek on a queue (a link opened with our rights),
/// and the Stripe configuration (a key that is not an unresolved Key Vault reference; Stripe itself is not
/// called, so a probe never spends our rate limit). The checks run together, each within <see cref="CheckTimeout"/>.
/// </summary>
public sealed class Readiness(PaymentsStorage storage, ServiceBusClient serviceBus, IOptions<StripeOptions> stripe, IHostEnvironment environment)
{
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<HealthCheck>> CheckAsync(CancellationToken ct) =>
        await Task.WhenAll(
            TimedAsync("tables", TablesAsync, ct),
            TimedAsync("serviceBus", ServiceBusAsync, ct),
            Task.FromResult(StripeCheck(stripe.Value, environment.EnvironmentName)));

    private static async Task<HealthCheck> TimedAsync(string name, Func<CancellationToken, Task<string>> check, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            return new HealthCheck(name, true, await check(timeout.Token));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new HealthCheck(name, false, $"no answer within {CheckTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is RequestFailedException or ServiceBusException or UnauthorizedAccessException
            or System.Net.Http.HttpRequestException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            return new HealthCheck(name, false, $"{ex.GetType().Name}: {FirstLine(ex.Message)}");
        }
    }

    private Task<string> TablesAsync(CancellationToken ct) => storage.ProbeAsync(ct);

    private async Task<string> ServiceBusAsync(CancellationToken ct)
    {
        await using var receiver = serviceBus.CreateReceiver(QueueNames.Payments);
        await receiver.PeekMessageAsync(cancellationToken: ct);
        return $"{QueueNames.Payments} answered";
    }

    /// <summary>
    /// The emulator is fine only where it is allowed (Development, Testing, or <c>Stripe:AllowEmulator</c>: the rule
    /// <see cref="StripeOptionsValidation"/> starts the app by); elsewhere a resolved key must be there.
    /// </summary>
    public static HealthCheck StripeCheck(StripeOptions o, string environmentName)
    {
        if (o.UsesEmulator)
            return o.AllowEmulator ?? environmentName is "Development" or PaymentsEnvironments.Testing
                ? new HealthCheck("stripe", true, $"the emulator at {o.EmulatorUrl}")
                : new HealthCheck("stripe", false, "Stripe:SecretKey is not set");
        if (o.SecretKey!.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
            return new HealthCheck("stripe", false, "Stripe:SecretKey is a Key Vault reference that did not resolve");
        return new HealthCheck("stripe", true, o.SecretKey.Contains("_live_", StringComparison.Ordinal) ? "live mode key" : "test mode key");
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
