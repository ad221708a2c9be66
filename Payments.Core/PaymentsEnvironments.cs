using Microsoft.Extensions.Hosting;

namespace Payments.Core;

/// <summary>
/// Where the app may lean on local stand-ins: Development (./run.sh) and Testing (the test doors).
/// Azurite starts empty there and an empty Stripe key means the offline emulator; anywhere else the app
/// runs against real infrastructure and refuses those shortcuts unless a setting asks for them.
/// </summary>
public static class PaymentsEnvironments
{
    /// <summary>The environment name the test fixtures give both doors.</summary>
    public const string Testing = "Testing";

    public static bool IsLocal(this IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment(Testing);
}
