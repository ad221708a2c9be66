using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Payments.Core;
using Payments.Core.Catalog;
using Payments.Core.Http;

namespace Payments.Host.Web;

/// <summary>
/// The pages in <c>web/</c> (copied to <c>wwwroot/</c> by the build), served by the Host in Development only: the static
/// files, a page route for each page path (<c>/invoices/{id}</c> is one file for every id), the development
/// <c>/config.js</c> (the deployed one is <c>web/config.js</c>, filled in by the deployment) and the development
/// sign-in. None of these is an API route: they live outside <c>/api</c>, are not in the OpenAPI document, and the
/// Functions app has none of them (Azure serves the pages as a static site; see docs/web.md).
/// </summary>
public static partial class WebPages
{
    /// <summary>Page path → the file under wwwroot that renders it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Pages = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["/"] = "invoices.html",
        ["/invoices"] = "invoices.html",
        ["/invoices/{id}"] = "invoice.html",
        // Where PayPal sends the payer back (Invoices:PaypalReturnUrl and PaypalCancelUrl): the invoice page finishes there.
        ["/invoices/{id}/paypal/return"] = "invoice.html",
        ["/invoices/{id}/paypal/cancel"] = "invoice.html",
        ["/cards"] = "cards.html",
        ["/sign-in"] = "sign-in.html",
    };

    /// <summary>The one route the pages add beyond pages: minting a development token, as the CLI's <c>token</c> command does.</summary>
    public const string SignInRoute = "/dev/sign-in";

    /// <summary>Static files first (before routing, so the API's fallback authorization policy never sees them), Development only.</summary>
    public static void UseDevelopmentPages(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
            app.UseStaticFiles();
    }

    public static void MapDevelopmentPages(this WebApplication app)
    {
        var development = app.Environment.IsDevelopment();
        // Mapped everywhere so that elsewhere it answers a plain 404 (an unmapped path would meet the API's fallback
        // authorization policy and answer 401, as if a token could open it): no environment but Development mints tokens.
        app.MapPost(SignInRoute, (SignInRequest request, IOptions<AuthOptions> auth, ILogger<SignInRequest> log) =>
                development ? SignIn(request, auth.Value, log) : Results.NotFound())
            .AllowAnonymous().ExcludeFromDescription();
        // Elsewhere no page is mapped: Azure serves them as a static site.
        if (!development)
            return;
        foreach (var (path, file) in Pages)
            app.MapGet(path, () => Results.File(Path.Combine(app.Environment.WebRootPath, file), "text/html; charset=utf-8"))
                .AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/config.js", (IConfiguration configuration) => Results.Text(DevelopmentConfig(configuration), "text/javascript; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>The form's fields: who to be. The token is the one <c>Payments.Host token --sub … [--email …] [--role admin]</c> prints.</summary>
    public sealed record SignInRequest(string? UserId, string? Email, bool Admin);

    private static IResult SignIn(SignInRequest request, AuthOptions auth, ILogger log)
    {
        if (!UserIds.IsValid(request.UserId))
            throw ApiErrors.Validation("userId", "A user id: up to 128 characters, none of / \\ # ? or control characters.").ToException();
        var email = string.IsNullOrWhiteSpace(request.Email) ? null : request.Email.Trim();
        if (email is not null && (email.Length > 254 || !email.Contains('@', StringComparison.Ordinal)))
            throw ApiErrors.Validation("email", "An email address, or nothing.").ToException();
        string[] roles = request.Admin ? [auth.AdminRole] : [];
        LogSignIn(log, request.UserId!, request.Admin);
        return Results.Ok(new { token = DevelopmentTokens.Mint(auth, request.UserId!, roles, email), userId = request.UserId, admin = request.Admin });
    }

    private static readonly JsonSerializerOptions ConfigJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.Default };

    /// <summary>
    /// What <c>web/config.js</c> says in a deployment, for this Host: the API beside the pages, Stripe.js from the emulator
    /// (at its /v3, the path shape of js.stripe.com/v3) unless a real key is configured, and the development sign-in's token.
    /// </summary>
    public static string DevelopmentConfig(IConfiguration configuration)
    {
        var emulator = string.IsNullOrWhiteSpace(configuration["Stripe:SecretKey"]);
        var settings = new
        {
            apiBase = "/api",
            stripePublishableKey = emulator ? "pk_test_emulator" : configuration["Web:StripePublishableKey"] ?? "",
            stripeJsUrl = emulator ? (configuration["Stripe:EmulatorUrl"] ?? "http://127.0.0.1:12111").TrimEnd('/') + "/v3/" : "https://js.stripe.com/v3/",
            // PayPal is offered on the pay dialog when the API has a PayPal account (the emulator's, in Development).
            paypal = !string.IsNullOrWhiteSpace(configuration["Paypal:BaseUrl"]),
            developmentSignIn = true,
            signInUrl = "/sign-in",
            // The development catalog's ids, offered when adding an item (there is no catalog route for users).
            productSuggestions = configuration.GetValue<bool>("Catalog:SeedDevelopmentProducts")
                ? CatalogSeeder.DevelopmentProducts.Select(p => p.Id).ToArray()
                : [],
        };
        var json = JsonSerializer.Serialize(settings, ConfigJson);
        return $$"""
            // Written by Payments.Host in Development (Payments.Host/Web/WebPages.cs). A deployment serves web/config.js instead.
            export default {{json}};

            /** The token hook: the development sign-in (/sign-in) keeps the token it minted in this browser's localStorage. */
            export async function getToken() {
              return localStorage.getItem('payments.devToken');
            }
            """;
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Development sign-in as {UserId} (admin: {Admin})")]
    private static partial void LogSignIn(ILogger logger, string userId, bool admin);
}
