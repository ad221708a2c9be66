using System.Net;
using System.Text.Json;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;

namespace Payments.Tests.Emulator;

/// <summary>
/// Each test gets its own emulator: faults and the request log are global to a server, so
/// sharing one would let tests see each other.
/// </summary>
public abstract class EmulatorTest : IAsyncLifetime
{
    protected EmulatorServer Server { get; private set; } = null!;

    protected StripeClient Stripe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await EmulatorServer.StartAsync();
        Stripe = Server.CreateClient();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    protected Task<Customer> NewCustomerAsync(string? email = null) =>
        Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = email ?? $"{Guid.NewGuid():n}@example.com" });

    protected static async Task<StripeException> ThrowsStripeAsync(HttpStatusCode status, string type, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<StripeException>(call);
        Assert.Equal(status, e.HttpStatusCode);
        Assert.Equal(type, e.StripeError.Type);
        return e;
    }

    protected async Task<JsonElement[]> RequestLogAsync(string? path = null) =>
        (await Server.RequestsAsync())
            .Where(r => path is null || r.GetProperty("path").GetString() == path)
            .ToArray();
}
