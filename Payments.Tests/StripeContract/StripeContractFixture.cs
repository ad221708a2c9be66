using Payments.Core.Stripe;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;

namespace Payments.Tests.StripeContract;

/// <summary>
/// Where the contract suite runs: Stripe's test mode when <c>STRIPE_TEST_SECRET_KEY</c> holds an
/// <c>sk_test_</c> key, else the emulator (CI). The tests are the same either way: only /v1 calls,
/// only Stripe's documented test ids, and through our <see cref="StripeGateway"/> where that is what we call.
/// Keys carry a prefix unique to the run, since Stripe keeps idempotency keys for 24 hours.
/// </summary>
public sealed class StripeContractFixture : IAsyncLifetime
{
    public const string KeyVariable = "STRIPE_TEST_SECRET_KEY";
    private readonly List<string> _customers = [];
    private EmulatorServer? _emulator;

    public StripeClient Client { get; private set; } = null!;
    public StripeGateway Gateway { get; private set; } = null!;
    public bool AgainstStripe { get; private set; }
    public string RunId { get; } = Guid.NewGuid().ToString("n")[..12];

    public async Task InitializeAsync()
    {
        var key = Environment.GetEnvironmentVariable(KeyVariable);
        AgainstStripe = !string.IsNullOrWhiteSpace(key);
        if (AgainstStripe && !key!.StartsWith("sk_test_", StringComparison.Ordinal) && !key.StartsWith("rk_test_", StringComparison.Ordinal))
            throw new InvalidOperationException($"{KeyVariable} must be a test-mode key (sk_test_...): the suite creates and refunds payments.");

        if (AgainstStripe)
        {
            // Stripe.net's own retries, as in production: 409 key in use, 5xx, and what Stripe marks Stripe-Should-Retry
            // (a 429 lock_timeout). A 429 rate_limit is not retried; the suite runs serially, each call a round trip to
            // Stripe, far under a sandbox's 25 requests/s.
            Client = new StripeClient(new StripeClientOptions { ApiKey = key, HttpClient = new SystemNetHttpClient(new HttpClient(), maxNetworkRetries: 3) });
        }
        else
        {
            // Limits off: the emulator answers in a millisecond, so the same serial suite would pass 25 requests/s.
            _emulator = await EmulatorServer.StartAsync(EmulatorServer.RateLimitsOff);
            Client = _emulator.CreateClient(maxNetworkRetries: 3);
        }
        Gateway = new StripeGateway(Client, $"contract-{RunId}:");
    }

    /// <summary>A customer made through our gateway, deleted again after the run (on Stripe).</summary>
    public async Task<(string UserId, string CustomerId)> NewCustomerAsync(string? email = null)
    {
        var user = $"contract-{RunId}-{Guid.NewGuid():n}"[..40];
        var customer = await Gateway.CreateCustomerAsync(user, email, IdempotencyKeys.Customer(user), default);
        Track(customer);
        return (user, customer);
    }

    /// <summary>Deleted after the run when it runs against Stripe.</summary>
    public void Track(string customerId)
    {
        lock (_customers)
            _customers.Add(customerId);
    }

    public async Task DisposeAsync()
    {
        if (AgainstStripe)
        {
            // Deleting a customer detaches its cards; payments, refunds and events stay in test mode's history.
            foreach (var id in _customers)
            {
                try
                {
                    await Client.V1.Customers.DeleteAsync(id);
                }
                catch (StripeException)
                {
                    // Best effort: a leftover test customer costs nothing.
                }
            }
        }
        if (_emulator is not null)
            await _emulator.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StripeContractGroup : ICollectionFixture<StripeContractFixture>
{
    public const string Name = "stripe-contract";
}
