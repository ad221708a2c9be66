using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Payments.Core;
using Payments.Core.Storage;
using Payments.Core.Stripe;
using Payments.Host;
using Xunit;
using Payments.Core.Composition;

namespace Payments.Tests.Infra;

/// <summary>
/// What the app refuses, or skips, when it starts outside Development and Testing (as in Azure). Each
/// host here is Core as both doors register it, started with no server behind it: storage points at a
/// closed port, so any storage call at start-up fails the start.
/// </summary>
public sealed class StartupTests
{
    private const string StripeKey = "sk_test_startup_0123456789";

    /// <summary>Nothing listens on port 1: a storage call fails (after the SDK's retries) instead of reaching anything.</summary>
    private const string ClosedStorage =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "TableEndpoint=http://127.0.0.1:1/devstoreaccount1;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;";

    private static Dictionary<string, string?> Settings(params (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Storage:ConnectionString"] = ClosedStorage,
            ["Stripe:SecretKey"] = StripeKey,
        };
        foreach (var (key, value) in overrides)
            settings[key] = value;
        return settings;
    }

    private static IHost CoreHost(string environment, Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddPayments(builder.Configuration);
        return builder.Build();
    }

    private static async Task<Exception> StartFailsAsync(IHost host)
    {
        using (host)
        {
            var error = await Record.ExceptionAsync(() => host.StartAsync());
            Assert.True(error is not null, "the host started");
            return error;
        }
    }

    /// <summary>Every message of an options failure, however the host wraps it.</summary>
    private static string Messages(Exception error) => error switch
    {
        AggregateException all => string.Join("\n", all.InnerExceptions.Select(Messages)),
        OptionsValidationException options => string.Join("\n", options.Failures),
        _ => error.ToString(),
    };

    // --- Storage: created where Azurite starts empty, trusted to infra elsewhere ----------------------

    [Theory]
    [InlineData("Development", null, true)]
    [InlineData("Testing", null, true)]
    [InlineData("Production", null, false)]
    [InlineData("Staging", null, false)]
    [InlineData("Production", true, true)]
    [InlineData("Development", false, false)]
    public void Tables_are_created_at_start_only_where_nothing_else_makes_them(string environment, bool? setting, bool created)
    {
        var options = new StorageOptions { CreateIfMissing = setting };
        Assert.Equal(created, StorageInitializer.ShouldCreate(options, new HostingEnvironment { EnvironmentName = environment }));
    }

    [Fact]
    public async Task A_production_start_makes_no_storage_calls()
    {
        using var host = CoreHost("Production", Settings());

        // Storage is unreachable: a create-if-missing call would fail the start.
        await host.StartAsync();
        await host.StopAsync();
    }

    // --- Stripe: no silent emulator, no key that is not one ---------------------------------------------

    [Fact]
    public async Task The_Host_in_Production_without_a_Stripe_key_refuses_to_start_naming_the_setting()
    {
        var app = PaymentsHostApp.Build(
        [
            "--environment=Production", "--urls=http://127.0.0.1:0",
            $"--Storage:ConnectionString={ClosedStorage}",
            "--ServiceBusConnection=Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=unused;UseDevelopmentEmulator=true;",
        ]);
        await using (app)
        {
            var error = await Record.ExceptionAsync(() => app.StartAsync());

            Assert.NotNull(error);
            Assert.Contains("Stripe:SecretKey (app setting Stripe__SecretKey) is empty", Messages(error), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public async Task Outside_development_an_empty_key_fails_the_start(string environment)
    {
        var error = await StartFailsAsync(CoreHost(environment, Settings(("Stripe:SecretKey", ""))));

        Assert.Contains("Stripe:SecretKey (app setting Stripe__SecretKey) is empty", Messages(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Testing")]
    public void Development_and_testing_still_fall_back_to_the_emulator(string environment)
    {
        using var host = CoreHost(environment, Settings(("Stripe:SecretKey", null), ("Stripe:EmulatorUrl", "http://127.0.0.1:12111")));

        host.Services.GetRequiredService<IStartupValidator>().Validate();
        var stripe = host.Services.GetRequiredService<IOptions<StripeOptions>>().Value;
        Assert.True(stripe.UsesEmulator);
        Assert.Equal("http://127.0.0.1:12111", stripe.EffectiveApiBase);
    }

    [Fact]
    public void An_offline_run_elsewhere_asks_for_the_emulator_by_name()
    {
        using var host = CoreHost("Benchmark", Settings(("Stripe:SecretKey", null), ("Stripe:AllowEmulator", "true")));

        host.Services.GetRequiredService<IStartupValidator>().Validate();
        Assert.True(host.Services.GetRequiredService<IOptions<StripeOptions>>().Value.UsesEmulator);
    }

    [Fact]
    public async Task A_value_that_is_not_a_Stripe_secret_key_fails_the_start_without_being_printed()
    {
        const string publishable = "pk_live_not_a_secret_key_42";
        var error = await StartFailsAsync(CoreHost("Production", Settings(("Stripe:SecretKey", publishable))));

        var messages = Messages(error);
        Assert.Contains("Stripe:SecretKey (app setting Stripe__SecretKey) is not a Stripe secret key", messages, StringComparison.Ordinal);
        Assert.DoesNotContain(publishable, messages, StringComparison.Ordinal);
    }

    // --- Key Vault references the platform could not resolve -------------------------------------------

    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    public async Task An_unresolved_Key_Vault_reference_fails_the_start_naming_every_such_setting(string environment)
    {
        const string reference = "@Microsoft.KeyVault(SecretUri=https://kv-payments.vault.azure.net/secrets/stripe-secret-key/)";
        var error = await StartFailsAsync(CoreHost(environment, Settings(
            ("Stripe:SecretKey", reference),
            ("Email:Password", "@Microsoft.KeyVault(VaultName=kv-payments;SecretName=smtp-password)"))));

        var messages = Messages(error);
        Assert.Contains("Key Vault references did not resolve: Email:Password (app setting Email__Password), Stripe:SecretKey (app setting Stripe__SecretKey)", messages, StringComparison.Ordinal);
        Assert.DoesNotContain("vault.azure.net", messages, StringComparison.Ordinal);
        // One message for the key: the Stripe check leaves a reference to this one.
        Assert.DoesNotContain("is not a Stripe secret key", messages, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolved_settings_pass()
    {
        using var host = CoreHost("Production", Settings(("Email:Password", "resolved-password")));

        host.Services.GetRequiredService<IStartupValidator>().Validate();
    }

    // --- Storage name prefix -----------------------------------------------------------------------------

    [Theory]
    [InlineData("Payments")]
    [InlineData("1payments")]
    [InlineData("pay-ments")]
    [InlineData("abcdefghijklmnopqrstu")]
    public async Task A_storage_prefix_that_would_break_table_or_container_names_fails_the_start(string prefix)
    {
        var error = await StartFailsAsync(CoreHost("Production", Settings(("Storage:NamePrefix", prefix))));

        Assert.Contains("Storage:NamePrefix (app setting Storage__NamePrefix) must be empty", Messages(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("prod")]
    [InlineData("t2")]
    [InlineData("abcdefghijklmnopqrst")]
    public void Storage_prefixes_that_make_valid_names_pass(string prefix) =>
        Assert.True(StorageOptions.IsValidNamePrefix(prefix));

    // --- Invoices: a deadline PayPal's honour periods cover -------------------------------------------

    private static (string, string?)[] PaypalConfigured =>
    [
        ("Paypal:BaseUrl", "https://api-m.sandbox.paypal.com"), ("Paypal:ClientId", "client"), ("Paypal:ClientSecret", "secret"), ("Paypal:WebhookId", "WH-1"),
    ];

    [Fact]
    public async Task With_PayPal_configured_an_invoice_deadline_past_6_days_fails_the_start_naming_the_setting()
    {
        var error = await StartFailsAsync(CoreHost("Production", Settings([.. PaypalConfigured, ("Invoices:Deadline", "6.00:01:00")])));

        Assert.Contains("Invoices:Deadline (app setting Invoices__Deadline) is 6.00:01:00 but must be at most 6 days while PayPal is configured",
            Messages(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, "6.00:00:00")]
    [InlineData(false, "7.00:00:00")]
    public async Task A_deadline_PayPal_does_not_limit_starts(bool paypal, string deadline)
    {
        using var host = CoreHost("Production", Settings([.. paypal ? PaypalConfigured : [], ("Invoices:Deadline", deadline)]));

        await host.StartAsync();
        Assert.Equal(TimeSpan.Parse(deadline, System.Globalization.CultureInfo.InvariantCulture), host.Services.GetRequiredService<IOptions<Payments.Core.Invoices.InvoiceOptions>>().Value.Deadline);
        await host.StopAsync();
    }
}
