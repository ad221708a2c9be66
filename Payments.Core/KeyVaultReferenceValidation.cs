using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Payments.Core;

/// <summary>The options that stand for the whole configuration in start-up validation (they hold nothing).</summary>
public sealed class ResolvedSettings;

/// <summary>
/// Checked when the app starts (ValidateOnStart), in every environment: when the platform cannot read
/// a Key Vault reference's secret (a missing role, a wrong secret name, the vault's network rules), it
/// leaves the app setting as the reference text itself, which the app would then use as the secret (a
/// Stripe key, the webhook secret, the SMTP password). The message names the settings, not their values.
/// </summary>
public sealed class KeyVaultReferenceValidation(IConfiguration configuration) : IValidateOptions<ResolvedSettings>
{
    private const string ReferencePrefix = "@Microsoft.KeyVault(";

    public static bool IsReference(string? value) =>
        value is not null && value.TrimStart().StartsWith(ReferencePrefix, StringComparison.OrdinalIgnoreCase);

    public ValidateOptionsResult Validate(string? name, ResolvedSettings options)
    {
        var unresolved = configuration.AsEnumerable()
            .Where(s => IsReference(s.Value))
            .Select(s => $"{s.Key} (app setting {s.Key.Replace(":", "__", StringComparison.Ordinal)})")
            .Order(StringComparer.Ordinal)
            .ToList();
        return unresolved.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Key Vault references did not resolve: {string.Join(", ", unresolved)}. Check the function app's Key Vault reference status: " +
                "the identity in keyVaultReferenceIdentity needs Key Vault Secrets User, and the secret must exist.");
    }
}
