using Xunit;

namespace Payments.Tests.Infrastructure;

/// <summary>The webhook path end to end through the Host.</summary>
public sealed class StoreFixture() : DoorFixture(store: true)
{
    public PaymentsHostServer Host => (PaymentsHostServer)Door;

    protected override async Task<IPaymentsDoor> StartDoorAsync(string storage, Uri stripe, string[] settings) =>
        await PaymentsHostServer.StartAsync(storage, stripe, settings);
}

[CollectionDefinition(Name)]
public sealed class StoreTestGroup : ICollectionFixture<StoreFixture>
{
    public const string Name = "store";
}
