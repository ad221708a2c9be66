using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Paypal;
using Payments.Tests.Paypal;
using Xunit;

namespace Payments.Tests.PaypalContract;

/// <summary>
/// Where the PayPal contract suite runs: PayPal's sandbox when <c>PAYPAL_SANDBOX_CLIENT_ID</c> and
/// <c>PAYPAL_SANDBOX_CLIENT_SECRET</c> hold a sandbox app's credentials, else the emulator (CI). The tests are the
/// same either way and go through our <see cref="PaypalClient"/> as the app builds it (<see cref="PaypalModule.AddPaypal"/>);
/// those that need the payer to approve use the emulator's approve control and are skipped against the sandbox,
/// where a person logs in to approve. Request ids carry a prefix unique to the run (PayPal keeps them 6 hours to 45 days).
/// </summary>
public sealed class PaypalContractFixture : IAsyncLifetime
{
    public const string ClientIdVariable = "PAYPAL_SANDBOX_CLIENT_ID";
    public const string SecretVariable = "PAYPAL_SANDBOX_CLIENT_SECRET";
    public const string SandboxBaseUrl = "https://api-m.sandbox.paypal.com";

    private ServiceProvider? _services;

    public PaypalEmulatorServer? Emulator { get; private set; }
    public PaypalClient Client => _services!.GetRequiredService<PaypalClient>();
    public string RunId { get; } = Guid.NewGuid().ToString("n")[..12];

    public static bool AgainstSandbox =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ClientIdVariable)) && !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(SecretVariable));

    /// <summary>Set for the calls of one test: PayPal forces this error code (<c>PayPal-Mock-Response</c>, sandbox negative testing; the emulator honours it).</summary>
    public static readonly AsyncLocal<string?> MockApplicationCode = new();

    /// <summary>Set for one call: its first answer is dropped on the way back, after PayPal acted, as a broken connection would.</summary>
    public static readonly AsyncLocal<StrongBox<bool>?> LoseNextAnswer = new();

    public async Task InitializeAsync()
    {
        var id = Environment.GetEnvironmentVariable(ClientIdVariable);
        var secret = Environment.GetEnvironmentVariable(SecretVariable);
        if (string.IsNullOrWhiteSpace(id) != string.IsNullOrWhiteSpace(secret))
            throw new InvalidOperationException($"Set both {ClientIdVariable} and {SecretVariable} (a sandbox app's), or neither for the emulator.");

        string baseUrl;
        if (AgainstSandbox)
        {
            baseUrl = SandboxBaseUrl;
        }
        else
        {
            Emulator = await PaypalEmulatorServer.StartAsync();
            baseUrl = Emulator.BaseUrl.ToString().TrimEnd('/');
            (id, secret) = (PaypalEmulatorServer.ClientId, PaypalEmulatorServer.ClientSecret);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Paypal:BaseUrl"] = baseUrl, ["Paypal:ClientId"] = id, ["Paypal:ClientSecret"] = secret,
            ["Paypal:WebhookId"] = PaypalEmulatorServer.WebhookId, ["Paypal:RequestIdPrefix"] = $"contract-{RunId}-",
            ["Paypal:RetryBaseDelay"] = "00:00:00.200",
        };
        // Innermost, after the metrics: what the test asks for happens on the wire, under the app's own retries.
        _services = PaypalServices.Build(settings, configure: s => s.AddHttpClient<PaypalClient>().AddHttpMessageHandler(() => new NegativeTesting()));
    }

    /// <summary>Our own ids for one test's objects (PayPal's reference_id, custom_id, invoice_id and request ids).</summary>
    public string NewId(string prefix) => $"{prefix}_{RunId}{Guid.NewGuid():n}"[..(prefix.Length + 25)];

    public async Task DisposeAsync()
    {
        if (_services is not null)
            await _services.DisposeAsync();
        if (Emulator is not null)
            await Emulator.DisposeAsync();
    }

    private sealed class NegativeTesting : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (MockApplicationCode.Value is { } code)
                request.Headers.TryAddWithoutValidation("PayPal-Mock-Response", $$"""{"mock_application_codes":"{{code}}"}""");
            var response = await base.SendAsync(request, cancellationToken);
            if (LoseNextAnswer.Value is { Value: true } lose)
            {
                lose.Value = false;
                response.Dispose();
                throw new HttpRequestException("The connection dropped before PayPal's answer arrived (contract test).");
            }
            return response;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PaypalContractGroup : ICollectionFixture<PaypalContractFixture>
{
    public const string Name = "paypal-contract";
}

/// <summary>A test that needs the emulator (its approve control, clock or faults): skipped against PayPal's sandbox, saying why.</summary>
public sealed class EmulatorFactAttribute : FactAttribute
{
    public EmulatorFactAttribute()
    {
        if (PaypalContractFixture.AgainstSandbox)
            Skip = "Needs the PayPal emulator's controls (approving as the payer, its clock or faults): in PayPal's sandbox a person logs in to approve.";
    }
}

/// <summary>A test that only means something against PayPal's sandbox: skipped without its credentials, saying so.</summary>
public sealed class SandboxFactAttribute : FactAttribute
{
    public SandboxFactAttribute()
    {
        if (!PaypalContractFixture.AgainstSandbox)
            Skip = $"{PaypalContractFixture.ClientIdVariable} and {PaypalContractFixture.SecretVariable} are not set: the PayPal contract suite ran against the emulator only.";
    }
}
