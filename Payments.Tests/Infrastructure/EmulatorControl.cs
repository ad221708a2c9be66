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

    public static async Task FailNextAsync(this EmulatorServer emulator, string method, string pathPrefix, int status, int count)
    {
        var response = await emulator.Control.PostAsJsonAsync("/_emulator/faults", new { method, pathPrefix, status, count });
        response.EnsureSuccessStatusCode();
    }
}
