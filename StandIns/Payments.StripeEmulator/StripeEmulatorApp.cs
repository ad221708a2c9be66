using Payments.StandIns.Common;

namespace Payments.StripeEmulator;

/// <summary>
/// An offline, stateful stand-in for the part of Stripe's REST API (v1, form-encoded) that the
/// payments service calls, plus control endpoints under <c>/_emulator</c> for tests and demos.
/// </summary>
public static class StripeEmulatorApp
{
    public const string DefaultUrl = "http://127.0.0.1:12111";

    /// <summary>The API version reported back; the one Stripe.net 53 pins.</summary>
    public const string ApiVersion = "2026-10-28.endive";

    /// <param name="args">Host arguments (<c>--urls</c> among them, when <paramref name="url"/> is null).</param>
    /// <param name="url">Where to listen; <c>http://127.0.0.1:0</c> picks a free port.</param>
    public static WebApplication Build(string[] args, string? url = null)
    {
        var builder = EmulatorHost.CreateBuilder(args, url, DefaultUrl);
        builder.Services.AddSingleton<EmulatorState>();
        builder.Services.AddSingleton<RateLimiter>();
        builder.Services.AddSingleton<WebhookDeliverer>();
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<WebhookDeliverer>());

        var app = builder.Build();
        // Made now, so a bad RateLimits setting stops the start rather than the first request.
        app.Services.GetRequiredService<RateLimiter>();
        app.Use(BrowserAccess);
        app.Use(V1Pipeline);

        var v1 = app.MapGroup("/v1");
        v1.AddEndpointFilter<IdempotencyFilter>();
        v1.AddEndpointFilter(static async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (StripeErrorException e)
            {
                return e.ToResult();
            }
        });
        v1.AddEndpointFilter<FaultFilter>();
        Customers.Map(v1);
        PaymentMethods.Map(v1);
        SetupIntents.Map(v1);
        PaymentIntents.Map(v1);
        Refunds.Map(v1);
        Events.Map(v1);
        CheckoutSessions.Map(v1);
        Subscriptions.Map(v1);
        Invoices.Map(v1);

        ControlEndpoints.Map(app);
        StripeJs.Map(app);

        app.MapFallback(static (HttpContext http) =>
            StripeErrors.UnrecognizedUrl(http.Request.Method, http.Request.Path.Value ?? "/").ToResult());
        return app;
    }

    /// <summary>
    /// Stripe's API answers browsers from any origin (Stripe.js calls it from the page with a publishable key), preflight
    /// included. So do /v1 here, the Stripe.js stand-in and the 3-D Secure controls its challenge dialog calls (the part
    /// of the bank's page); the other controls are for tests and scripts, not pages.
    /// </summary>
    private static async Task BrowserAccess(HttpContext http, RequestDelegate next)
    {
        var path = http.Request.Path;
        var forBrowsers = path.StartsWithSegments("/v1") || path.StartsWithSegments("/v3")
            || (path.StartsWithSegments("/_emulator") && path.Value!.EndsWith("/authenticate", StringComparison.Ordinal));
        if (!forBrowsers || http.Request.Headers.Origin.Count == 0)
        {
            await next(http);
            return;
        }

        http.Response.Headers.AccessControlAllowOrigin = "*";
        if (HttpMethods.IsOptions(http.Request.Method) && http.Request.Headers.AccessControlRequestMethod.Count > 0)
        {
            http.Response.Headers.AccessControlAllowMethods = "GET, POST, DELETE";
            http.Response.Headers.AccessControlAllowHeaders = http.Request.Headers.AccessControlRequestHeaders.ToString() is { Length: > 0 } asked
                ? asked
                : "Authorization, Content-Type, Idempotency-Key, Stripe-Version";
            http.Response.Headers.AccessControlMaxAge = "600";
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }

        await next(http);
    }

    /// <summary>
    /// Everything under /v1: request id, injected faults, authentication, rate limits, the request log
    /// (429s included: they are requests), and a Stripe-shaped 500 for anything unexpected.
    /// </summary>
    private static async Task V1Pipeline(HttpContext http, RequestDelegate next)
    {
        if (!http.Request.Path.StartsWithSegments("/v1"))
        {
            await next(http);
            return;
        }

        var state = http.RequestServices.GetRequiredService<EmulatorState>();
        var method = http.Request.Method;
        var path = http.Request.Path.Value ?? "/";
        RequestContext.Begin(http, Ids.New("req_", 14));
        http.Response.Headers["Stripe-Version"] = http.Request.Headers["Stripe-Version"].FirstOrDefault() ?? ApiVersion;
        try
        {
            if (state.Faults.Take(f => f.Matches(method, path, FaultPhase.BeforeExecution)) is { } fault)
            {
                throw StripeErrors.Fault(fault.Status, fault.Message);
            }

            await RequestContext.AuthenticateAsync(http);
            // Before idempotency (an endpoint filter): a refused request never began executing, so nothing is saved under its key.
            var limiter = http.RequestServices.GetRequiredService<RateLimiter>();
            if (limiter.Admit(RequestContext.ApiKey(http), RateLimiter.EndpointOf(http)) is { } reason)
            {
                http.Response.Headers[RateLimiter.ReasonHeader] = reason;
                throw StripeErrors.RateLimited();
            }

            lock (state.Sync)
            {
                // Stripe settles some things in the background; the emulator does it between requests.
                Refunds.FailDue(state);
                CheckoutSessions.ExpireDue(state);
            }

            await next(http);
        }
        catch (StripeErrorException e) when (!http.Response.HasStarted)
        {
            await e.ToResult().ExecuteAsync(http);
        }
        catch (Exception e) when (!http.Response.HasStarted && e is not OperationCanceledException)
        {
            await StripeErrors.Create(500, "api_error", $"The emulator failed: {e.Message}").ToResult().ExecuteAsync(http);
        }
        finally
        {
            var key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
            state.Requests.Add(new RequestRecord(
                method, path, string.IsNullOrEmpty(key) ? null : key, RequestContext.Replayed(http), http.Response.StatusCode, RequestContext.RequestId(http)));
        }
    }
}
