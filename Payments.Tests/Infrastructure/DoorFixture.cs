using System.Net.Http.Json;
using Xunit;

namespace Payments.Tests.Infrastructure;

/// <summary>
/// One Azurite, one Stripe emulator, one PayPal emulator and one door (the Host or the Functions app) for the tests
/// of a collection. A store fixture also has an SMTP sink and registers the door's webhook with the
/// emulator, so its tests see only their own events and emails.
/// </summary>
public abstract class DoorFixture(bool store) : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;
    public EmulatorServer Stripe { get; private set; } = null!;
    /// <summary>The PayPal emulator the door's <c>Paypal:*</c> settings name (<see cref="PaypalSettings"/>); its clock is the collection's to move.</summary>
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
        var registered = await Stripe.Control.PostAsJsonAsync("/_emulator/webhook_endpoints", new
        {
            url = new Uri(Door.BaseUrl, "/api/stripe/webhook").ToString(),
            secret = PaymentsHostServer.WebhookSecret,
            enabledEvents = new[] { "*" },
        });
        registered.EnsureSuccessStatusCode();
    }

    /// <summary>The door's PayPal settings: every PayPal call goes to <paramref name="paypal"/> with its default app's credentials.</summary>
    public static string[] PaypalSettings(PaypalEmulatorServer paypal) =>
    [
        $"Paypal:BaseUrl={paypal.BaseUrl.ToString().TrimEnd('/')}",
        $"Paypal:ClientId={PaypalEmulatorServer.ClientId}",
        $"Paypal:ClientSecret={PaypalEmulatorServer.ClientSecret}",
        $"Paypal:WebhookId={PaypalEmulatorServer.WebhookId}",
        // One attempt more than none, quickly: a test sees PayPal's refusals, not our back-off.
        "Paypal:MaxRetries=1",
        "Paypal:RetryBaseDelay=00:00:00.100",
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
