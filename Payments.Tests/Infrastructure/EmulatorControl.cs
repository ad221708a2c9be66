using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.Tests.Infrastructure;

/// <summary>Reads and steers the emulator through its control endpoints.</summary>
public static class EmulatorControl
{
    public static async Task<JsonElement[]> RequestsAsync(this EmulatorServer emulator)
    {
        var log = await emulator.Control.GetFromJsonAsync<JsonElement>("/_emulator/requests");
        return log.EnumerateArray().ToArray();
    }

    /// <summary>Stripe calls so far, leaving out detaches, which background handlers of earlier tests may still be making.</summary>
    public static async Task<int> CountRequestsAsync(this EmulatorServer emulator) =>
        (await emulator.RequestsAsync()).Count(r => !r.GetProperty("path").GetString()!.EndsWith("/detach", StringComparison.Ordinal));

    public static Task FailNextAsync(this EmulatorServer emulator, string method, string pathPrefix, int status, int count) =>
        emulator.FaultAsync(new { method, pathPrefix, status, count });

    /// <summary>Adds a fault (<c>POST /_emulator/faults</c>): method, pathPrefix, status, count, when, delayMs.</summary>
    public static async Task FaultAsync(this EmulatorServer emulator, object fault) =>
        (await emulator.Control.PostAsJsonAsync("/_emulator/faults", fault)).EnsureSuccessStatusCode();
}
