using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Payments.Core.Paypal;
using Xunit;

namespace Payments.Tests.Paypal;

public sealed class PaypalOptionsValidationTests
{
    private static PaypalOptions Configured(string baseUrl = "https://api-m.sandbox.paypal.com") => new()
    {
        BaseUrl = baseUrl, ClientId = "client", ClientSecret = "secret", WebhookId = "WH-1",
    };

    private static List<string> Failures(PaypalOptions options, string environment) =>
        new PaypalOptionsValidation(new HostingEnvironment { EnvironmentName = environment }).Validate(null, options).Failures?.ToList() ?? [];

    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    public void No_base_url_and_no_credentials_is_PayPal_switched_off_anywhere(string environment) =>
        Assert.Empty(Failures(new PaypalOptions(), environment));

    [Fact]
    public void A_sandbox_or_live_configuration_passes_in_production()
    {
        Assert.Empty(Failures(Configured(), Environments.Production));
        Assert.Empty(Failures(Configured("https://api-m.paypal.com"), Environments.Production));
    }

    [Fact]
    public void Half_a_configuration_fails_naming_the_settings_never_their_values()
    {
        var failures = Failures(new PaypalOptions { BaseUrl = "https://api-m.paypal.com", ClientId = "client-id-value" }, Environments.Production);
        Assert.Contains(failures, f => f.Contains("Paypal:ClientSecret (app setting Paypal__ClientSecret) is empty", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Paypal:WebhookId", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("client-id-value", StringComparison.Ordinal));

        Assert.Contains(Failures(new PaypalOptions { ClientId = "c", ClientSecret = "s" }, Environments.Production), f => f.Contains("Paypal:BaseUrl", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://127.0.0.1:12112", "Development", true)]
    [InlineData("http://127.0.0.1:12112", "Testing", true)]
    [InlineData("http://127.0.0.1:12112", "Production", false)]
    [InlineData("http://api-m.sandbox.paypal.com", "Development", false)]
    [InlineData("https://api-m.paypal.com/v2", "Production", false)]
    [InlineData("api-m.paypal.com", "Production", false)]
    public void Plain_http_is_only_for_the_emulator_on_loopback_in_development(string baseUrl, string environment, bool passes) =>
        Assert.Equal(passes, Failures(Configured(baseUrl), environment).Count == 0);

    [Fact]
    public void A_development_trust_root_is_refused_outside_development_and_testing()
    {
        var options = Configured();
        options.Webhooks.DevelopmentTrustRootUrl = "http://127.0.0.1:12112/_emulator/ca.pem";
        Assert.Empty(Failures(options, "Development"));
        Assert.Empty(Failures(options, "Testing"));
        Assert.Contains(Failures(options, Environments.Production), f => f.Contains("DevelopmentTrustRootUrl", StringComparison.Ordinal));

        var pem = Configured();
        pem.Webhooks.DevelopmentTrustRootPem = "not a certificate";
        Assert.Contains(Failures(pem, "Development"), f => f.Contains("is not a PEM certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void Certificate_hosts_are_host_names_and_default_to_PayPals()
    {
        var options = Configured();
        Assert.Equal(["api.paypal.com", "api.sandbox.paypal.com"], options.Webhooks.EffectiveCertHosts);
        options.Webhooks.CertHosts = ["https://api.paypal.com/"];
        Assert.Contains(Failures(options, Environments.Production), f => f.Contains("Webhooks:CertHosts", StringComparison.Ordinal));
        options.Webhooks.CertHosts = ["*.paypal.com"];
        Assert.NotEmpty(Failures(options, Environments.Production));
    }
}
