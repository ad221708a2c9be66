using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Payments.Core.Stripe;

/// <summary>
/// Checked when the app starts (ValidateOnStart): an empty key would quietly send every Stripe call to
/// the offline emulator on 127.0.0.1, so outside Development and Testing the app refuses to start
/// without a key, and a value that is not a Stripe secret key is refused everywhere. Messages name the
/// setting, never its value.
/// </summary>
/// <param name="environment">Absent only where Core is used without a host (a few tests): nothing
/// starts there, so the environment rule has nothing to guard.</param>
public sealed class StripeOptionsValidation(IHostEnvironment? environment = null) : IValidateOptions<StripeOptions>
{
    private const string Setting = $"{StripeOptions.Section}:{nameof(StripeOptions.SecretKey)} (app setting {StripeOptions.Section}__{nameof(StripeOptions.SecretKey)})";

    /// <summary>Secret and restricted keys, live and test mode (publishable keys cannot call the API).</summary>
    private static readonly string[] KeyPrefixes = ["sk_live_", "sk_test_", "rk_live_", "rk_test_"];

    public ValidateOptionsResult Validate(string? name, StripeOptions options)
    {
        if (options.UsesEmulator)
        {
            return options.AllowEmulator ?? environment?.IsLocal() ?? true
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    $"{Setting} is empty. Outside Development and Testing the app does not fall back to the offline Stripe emulator: " +
                    $"set it to a Stripe secret key (sk_live_… or sk_test_…), or {StripeOptions.Section}:{nameof(StripeOptions.AllowEmulator)}=true for an offline run.");
        }

        var key = options.SecretKey!.Trim();
        // Reported by KeyVaultReferenceValidation, with every other reference that did not resolve.
        if (KeyVaultReferenceValidation.IsReference(key))
            return ValidateOptionsResult.Success;
        return KeyPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{Setting} is not a Stripe secret key (it must start with sk_live_, sk_test_, rk_live_ or rk_test_).");
    }
}
