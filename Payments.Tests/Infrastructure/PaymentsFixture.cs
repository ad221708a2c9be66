using Xunit;

namespace Payments.Tests.Infrastructure;

/// <summary>One Azurite, one Stripe emulator and one Host (with its Service Bus broker) for the end-to-end and integration tests.</summary>
public sealed class PaymentsFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;
    public EmulatorServer Stripe { get; private set; } = null!;
    public PaymentsHostServer Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        Stripe = await EmulatorServer.StartAsync();
        Host = await PaymentsHostServer.StartAsync(Azurite.ConnectionString, Stripe.BaseUrl, PaymentsHostServer.ShortRetries);
    }

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (Stripe is not null) await Stripe.DisposeAsync();
        if (Azurite is not null) await Azurite.DisposeAsync();
    }

    /// <summary>A user id no other test uses, so tests share the fixture without seeing each other's data.</summary>
    public static string NewUserId(string hint = "user") => $"{hint}-{Guid.NewGuid():n}";
}

[CollectionDefinition(Name)]
public sealed class PaymentsTestGroup : ICollectionFixture<PaymentsFixture>
{
    public const string Name = "payments";
}
