using Payments.Core;
using Scalar.AspNetCore;
using Payments.Core.Http;
using Payments.Core.Composition;
using Payments.Core.Telemetry;
using Payments.Host.Background;
using Payments.Host.Web;

namespace Payments.Host;

/// <summary>The Host door: Core's routes on Kestrel under /api, and Core's queue handlers as Service Bus processors.</summary>
public static partial class PaymentsHostApp
{
    /// <param name="configureServices">Runs after every registration, so tests can replace or decorate a service (a clock, the message sender).</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.AddPayments(builder.Configuration);
        builder.Services.AddHostBackgroundServices(builder.Configuration);
        builder.Services.AddProblemDetails();
        // Core's one error mapper: exceptions from binding and use cases become problem+json (the Functions app's middleware does the same).
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddPaymentsAuthorization();
        builder.Services.AddPaymentsTelemetry(builder.Configuration);
        builder.Services.AddPaymentsOpenApi();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // The pages in web/ (Development only; Azure serves them as a static site): docs/web.md.
        app.UseDevelopmentPages();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapPaymentsApi("/api");
        // A reference UI over /api/openapi/v1.json for people trying the API locally; not served in production. Anonymous
        // like the document it shows (a browser sends no bearer token; the fallback policy would answer 401).
        if (app.Environment.IsDevelopment())
            app.MapScalarApiReference("/api/reference", o => o.OpenApiRoutePattern = "/api/openapi/{documentName}.json").AllowAnonymous();
        app.MapDevelopmentPages();
        // Hands the routes to routing now rather than when the app starts, so that `Payments.Host openapi` (OpenApiCommand)
        // reads the same route table without starting anything.
        app.UseEndpoints(_ => { });

        var stripe = app.Configuration.GetSection("Stripe");
        if (string.IsNullOrWhiteSpace(stripe["SecretKey"]))
            LogEmulator(app.Logger, stripe["EmulatorUrl"] ?? "http://127.0.0.1:12111");
        return app;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "No Stripe secret key configured: using the offline Stripe emulator at {EmulatorUrl}")]
    private static partial void LogEmulator(ILogger logger, string emulatorUrl);
}
