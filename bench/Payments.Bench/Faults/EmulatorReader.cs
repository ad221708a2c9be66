using System.Net.Http.Headers;
using System.Text.Json;

namespace Payments.Bench.Faults;

/// <summary>Reads what Stripe (the emulator) holds, directly (not through the fault proxy): /v1 lists and the delivery log.</summary>
internal sealed class EmulatorReader(HttpClient http, Uri emulator)
{
    /// <summary>Every object of a /v1 list, page by page (limit 100, starting_after).</summary>
    public async Task<List<JsonElement>> ListAllAsync(string resource, CancellationToken ct)
    {
        var all = new List<JsonElement>();
        string? after = null;
        while (true)
        {
            var page = await GetAsync($"v1/{resource}?limit=100" + (after is null ? "" : $"&starting_after={after}"), ct);
            var data = page.GetProperty("data").EnumerateArray().ToList();
            all.AddRange(data);
            if (!page.GetProperty("has_more").GetBoolean() || data.Count == 0)
                return all;
            after = data[^1].GetProperty("id").GetString();
        }
    }

    /// <summary>Every webhook delivery attempt: eventId, type, attempt, copy, status (0: no answer).</summary>
    public async Task<List<JsonElement>> DeliveriesAsync(CancellationToken ct) =>
        [.. (await GetAsync("_emulator/webhook_deliveries", ct)).EnumerateArray()];

    /// <summary>Deliveries queued, in flight or waiting for a retry.</summary>
    public async Task<int> PendingDeliveriesAsync(CancellationToken ct) =>
        (await GetAsync("_emulator/webhook_delivery", ct)).GetProperty("pending").GetInt32();

    public async Task ConfigureDeliveryAsync(object settings, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(new Uri(emulator, "_emulator/webhook_delivery"), settings, ct);
        response.EnsureSuccessStatusCode();
    }

    private async Task<JsonElement> GetAsync(string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(emulator, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_campaign");
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        return (await JsonDocument.ParseAsync(body, cancellationToken: ct)).RootElement.Clone();
    }
}
