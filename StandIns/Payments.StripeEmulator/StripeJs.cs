namespace Payments.StripeEmulator;

/// <summary>
/// <c>GET /v3/</c>: the Stripe.js stand-in (<c>StripeJs/stripe-v3.js</c>), at the path shape of https://js.stripe.com/v3/,
/// so a page offline loads it from here instead. It implements only what our pages call and talks to this
/// emulator's /v1 with the publishable key and the intent's client secret, as Stripe.js talks to Stripe.
/// </summary>
internal static class StripeJs
{
    private static readonly Lazy<string> Script = new(() =>
    {
        using var stream = typeof(StripeJs).Assembly.GetManifestResourceStream("stripe-v3.js")
            ?? throw new InvalidOperationException("The Stripe.js stand-in is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/v3", () => Results.Text(Script.Value, "application/javascript; charset=utf-8"));
}
