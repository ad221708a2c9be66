using System.Net.Http.Json;
using Xunit;

namespace Payments.Tests.Infrastructure;

/// <summary>
/// One Azurite, one Stripe emulator, one PayPal emulator and one door (the Host or the Functions app) for the tests
/// of a collection; the door reaches both emulators through the product's own clients over HTTP. A store fixture also
/// has an SMTP sink and registers the door's webhooks with both emulators, so its tests see only their own events and emails.
/// </summary>
public abstract class DoorFixture(bool store) : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;
    public EmulatorServer Stripe { get; private set; } = null!;
    public PaypalEmulatorServer Paypal { get; private set; } = null!;
    public IPaymentsDoor Door { get; private set; } = null!;
    private SmtpSink? SmtpOrNull { get; set; }

    public SmtpSink Smtp => SmtpOrNull ?? throw new InvalidOperationException("Only store fixtures have an SMTP sink.");

    protected abstract Task<IPaymentsDoor> StartDoorAsync(string storage, Uri stripe, string[] settings);

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        // Limits off: the collection's tests run against one emulator, which answers in a millisecond what
        // Stripe answers in hundreds, so together they pass a sandbox's 25 requests a second at random moments
        // (with the sandbox default, Cards' racing-saves test failed on a 429).
        // The limits are the emulator's own tests' subject (StandIns.Tests, RateLimitTests).
        Stripe = await EmulatorServer.StartAsync(EmulatorServer.RateLimitsOff);
        Paypal = await PaypalEmulatorServer.StartAsync();
        if (!store)
        {
            Door = await StartDoorAsync(Azurite.ConnectionString, Stripe.BaseUrl, [.. PaypalSettings(Paypal), .. PaymentsHostServer.ShortRetries]);
            return;
        }

        SmtpOrNull = new SmtpSink();
        Door = await StartDoorAsync(Azurite.ConnectionString, Stripe.BaseUrl,
            [$"Email:SmtpPort={SmtpOrNull.Port}", .. PaypalSettings(Paypal), .. PaymentsHostServer.ShortRetries]);
        await Paypal.ConfigureWebhooksAsync(new { url = PaypalWebhookUrl.ToString() });
        var registered = await Stripe.Control.PostAsJsonAsync("/_emulator/webhook_endpoints", new
        {
            url = new Uri(Door.BaseUrl, "/api/stripe/webhook").ToString(),
            secret = PaymentsHostServer.WebhookSecret,
            enabledEvents = new[] { "*" },
        });
        registered.EnsureSuccessStatusCode();
    }

    /// <summary>Where the door takes PayPal's webhooks (store fixtures register it with the PayPal emulator).</summary>
    public Uri PaypalWebhookUrl => new(Door.BaseUrl, "/api/paypal/webhook");

    /// <summary>
    /// The door's PayPal settings for an emulator: its REST app and webhook id, and its root certificate trusted for
    /// webhook signatures (Testing only, as Development); transport retries quick, so a test sees them in milliseconds.
    /// </summary>
    public static string[] PaypalSettings(PaypalEmulatorServer paypal) =>
    [
        $"Paypal:BaseUrl={paypal.BaseUrl.ToString().TrimEnd('/')}",
        $"Paypal:ClientId={PaypalEmulatorServer.ClientId}",
        $"Paypal:ClientSecret={PaypalEmulatorServer.ClientSecret}",
        $"Paypal:WebhookId={PaypalEmulatorServer.WebhookId}",
        $"Paypal:Webhooks:DevelopmentTrustRootUrl={new Uri(paypal.BaseUrl, "_emulator/root-ca.pem")}",
        "Paypal:RetryBaseDelay=00:00:00.050",
    ];

    public async Task DeliveryAsync(object settings) =>
        (await Stripe.Control.PostAsJsonAsync("/_emulator/webhook_delivery", settings)).EnsureSuccessStatusCode();

    public async Task FlushAsync() =>
        (await Stripe.Control.PostAsync("/_emulator/webhook_delivery/flush", null)).EnsureSuccessStatusCode();

    public async Task DisposeAsync()
    {
        if (Door is not null) await Door.DisposeAsync();
        if (Stripe is not null) await Stripe.DisposeAsync();
        if (Paypal is not null) await Paypal.DisposeAsync();
        if (SmtpOrNull is not null) await SmtpOrNull.DisposeAsync();
        if (Azurite is not null) await Azurite.DisposeAsync();
    }
}

/// <summary>The Functions door: Payments.Functions under the real worker and the stand-in host.</summary>
public sealed class FunctionsFixture() : DoorFixture(store: false)
{
    public FunctionsDoor Functions => (FunctionsDoor)Door;

    protected override async Task<IPaymentsDoor> StartDoorAsync(string storage, Uri stripe, string[] settings) =>
        await FunctionsDoor.StartAsync(storage, stripe, settings);
}

/// <summary>The webhook path end to end through the Functions app.</summary>
public sealed class FunctionsStoreFixture() : DoorFixture(store: true)
{
    protected override async Task<IPaymentsDoor> StartDoorAsync(string storage, Uri stripe, string[] settings) =>
        await FunctionsDoor.StartAsync(storage, stripe, settings);
}

[CollectionDefinition(Name)]
public sealed class FunctionsTestGroup : ICollectionFixture<FunctionsFixture>
{
    public const string Name = "functions";
}

[CollectionDefinition(Name)]
public sealed class FunctionsStoreTestGroup : ICollectionFixture<FunctionsStoreFixture>
{
    public const string Name = "functions-store";
}
