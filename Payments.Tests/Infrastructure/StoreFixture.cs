using System.Net.Http.Json;
using Xunit;

namespace Payments.Tests.Infrastructure;

/// <summary>
/// The webhook path end to end: its own Azurite, Stripe emulator and SMTP sink, and a Host (with its
/// Service Bus broker) the emulator delivers signed events to, so these tests see only their own events and emails.
/// </summary>
public sealed class StoreFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;
    public EmulatorServer Stripe { get; private set; } = null!;
    public SmtpSink Smtp { get; private set; } = null!;
    public PaymentsHostServer Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        Stripe = await EmulatorServer.StartAsync();
        Smtp = new SmtpSink();
        Host = await PaymentsHostServer.StartAsync(Azurite.ConnectionString, Stripe.BaseUrl,
            [$"Email:SmtpPort={Smtp.Port}", .. PaymentsHostServer.ShortRetries]);
        var registered = await Stripe.Control.PostAsJsonAsync("/_emulator/webhook_endpoints", new
        {
            url = new Uri(Host.BaseUrl, "/api/stripe/webhook").ToString(),
            secret = PaymentsHostServer.WebhookSecret,
            enabledEvents = new[] { "*" },
        });
        registered.EnsureSuccessStatusCode();
    }

    public async Task DeliveryAsync(object settings) =>
        (await Stripe.Control.PostAsJsonAsync("/_emulator/webhook_delivery", settings)).EnsureSuccessStatusCode();

    public async Task FlushAsync() =>
        (await Stripe.Control.PostAsync("/_emulator/webhook_delivery/flush", null)).EnsureSuccessStatusCode();

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (Stripe is not null) await Stripe.DisposeAsync();
        if (Smtp is not null) await Smtp.DisposeAsync();
        if (Azurite is not null) await Azurite.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StoreTestGroup : ICollectionFixture<StoreFixture>
{
    public const string Name = "store";
}
