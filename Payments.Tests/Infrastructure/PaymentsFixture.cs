using Xunit;

namespace Payments.Tests.Infrastructure;

/// <summary>The Host door: Payments.Host in process.</summary>
public sealed class PaymentsFixture() : DoorFixture(store: false)
{
    public PaymentsHostServer Host => (PaymentsHostServer)Door;

    protected override async Task<IPaymentsDoor> StartDoorAsync(string storage, Uri stripe, string[] settings) =>
        await PaymentsHostServer.StartAsync(storage, stripe, settings);

    /// <summary>A user id no other test uses, so tests share the fixture without seeing each other's data.</summary>
    public static string NewUserId(string hint = "user") => $"{hint}-{Guid.NewGuid():n}";
}

[CollectionDefinition(Name)]
public sealed class PaymentsTestGroup : ICollectionFixture<PaymentsFixture>
{
    public const string Name = "payments";
}
