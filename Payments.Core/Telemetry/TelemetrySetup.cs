using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Payments.Core.Telemetry;

public static class TelemetrySetup
{
    /// <summary>
    /// Both doors' OpenTelemetry: our spans and metrics (<see cref="PaymentsTelemetry"/>), incoming HTTP requests and
    /// outgoing HTTP calls (Stripe, Tables, Blobs), exported by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
    /// and to Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set; neither means no export.
    /// </summary>
    /// <param name="tracing">More for the tracer (tests add an in-memory exporter).</param>
    public static IServiceCollection AddPaymentsTelemetry(this IServiceCollection services, IConfiguration configuration, Action<TracerProviderBuilder>? tracing = null)
    {
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["OTEL_SERVICE_NAME"] ?? "payments"))
            .WithTracing(t =>
            {
                t.AddSource(PaymentsTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation();
                tracing?.Invoke(t);
            })
            .WithMetrics(m => m.AddMeter(PaymentsTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            otel.UseOtlpExporter();
        if (configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"] is { Length: > 0 } appInsights)
            otel.UseAzureMonitorExporter(o =>
            {
                o.ConnectionString = appInsights;
                // infra/ accepts telemetry only with an Entra token: the app's user-assigned identity, named as the Functions host reads it.
                if (ManagedIdentityClientId(configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]) is { } clientId)
                    o.Credential = new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.FromUserAssignedClientId(clientId));
            });
        return services;
    }

    /// <summary>The <c>ClientId</c> of <c>Authorization=AAD;ClientId=…</c>, null when absent.</summary>
    public static string? ManagedIdentityClientId(string? authenticationString) =>
        authenticationString?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .FirstOrDefault(kv => kv.Length == 2 && string.Equals(kv[0], "ClientId", StringComparison.OrdinalIgnoreCase))?[1];
}
