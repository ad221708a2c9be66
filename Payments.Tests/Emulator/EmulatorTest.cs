using System.Net;
using System.Net.Http.Json;
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

    /// <summary>A PaymentIntent that never redirects, so confirming needs no return_url.</summary>
    protected static PaymentIntentCreateOptions Payment(long amount = 2000, string? paymentMethod = null, string? customer = null, bool confirm = false) => new()
    {
        Amount = amount,
        Currency = "usd",
        Customer = customer,
        PaymentMethod = paymentMethod,
        Confirm = confirm ? true : null,
        AutomaticPaymentMethods = new PaymentIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
    };

    /// <summary>POSTs JSON to a control endpoint and returns the status and the parsed body.</summary>
    protected async Task<(HttpStatusCode Status, JsonElement Body)> ControlAsync(string path, object? body = null)
    {
        using var response = await Server.Control.PostAsJsonAsync(path, body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Plays the customer's part in a 3-D Secure challenge, as Stripe.js would.</summary>
    protected async Task<JsonElement> AuthenticateAsync(string intentId, bool succeed = true)
    {
        var kind = intentId.StartsWith("seti_", StringComparison.Ordinal) ? "setup_intents" : "payment_intents";
        var (status, body) = await ControlAsync($"/_emulator/{kind}/{intentId}/authenticate", new { outcome = succeed ? "succeed" : "fail" });
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    /// <summary>The types of the events emitted so far, oldest first.</summary>
    protected async Task<List<string>> EventTypesAsync()
    {
        var events = await Stripe.V1.Events.ListAsync(new EventListOptions { Limit = 100 });
        return events.Data.Select(e => e.Type).Reverse().ToList();
    }

    protected async Task<JsonElement[]> RequestLogAsync(string? path = null) =>
        (await Server.RequestsAsync())
            .Where(r => path is null || r.GetProperty("path").GetString() == path)
            .ToArray();
}
