using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Payments.StandIns.Common;

namespace Payments.PaypalEmulator;

/// <summary>
/// An offline, stateful stand-in for the part of PayPal's REST API that Payments uses (OAuth2 client credentials,
/// Orders v2, Payments v2, webhooks), its approve page, and control endpoints under <c>/_emulator</c>.
/// </summary>
public static class PaypalEmulatorApp
{
    public const string DefaultUrl = "http://127.0.0.1:12112";

    /// <param name="args">Host arguments (<c>--urls</c> among them, when <paramref name="url"/> is null) and settings such as <c>--Client:Id=</c>.</param>
    /// <param name="url">Where to listen; <c>http://127.0.0.1:0</c> picks a free port.</param>
    public static WebApplication Build(string[] args, string? url = null)
    {
        var builder = EmulatorHost.CreateBuilder(args, url, DefaultUrl);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddSingleton<EmulatorState>();
        builder.Services.AddSingleton(_ => Certificates.Instance);
        builder.Services.AddSingleton<WebhookDeliverer>();
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<WebhookDeliverer>());

        var app = builder.Build();
        var state = app.Services.GetRequiredService<EmulatorState>();
        if (string.IsNullOrEmpty(app.Configuration["PublicUrl"]))
        {
            // Links, the approve page and the cert URL name the address actually bound (a free port in tests).
            app.Lifetime.ApplicationStarted.Register(() =>
            {
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
                if (address is not null)
                {
                    state.BaseUrl = address.TrimEnd('/');
                }
            });
        }

        OAuth.Map(app);
        Orders.Map(app);
        Payments.Map(app);
        Notifications.Map(app);
        ApprovePage.Map(app);
        ControlEndpoints.Map(app);
        app.MapFallback(static (HttpContext http) =>
            PaypalErrors.NotFound("path", http.Request.Path.Value ?? "/").ToResult(Ids.DebugId(), "unknown"));
        return app;
    }
}
