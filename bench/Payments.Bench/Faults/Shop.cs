using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Payments.Core.Http;

namespace Payments.Bench.Faults;

/// <summary>An answer: the status (0 when none came) and the body read as JSON (an empty object if it was not JSON).</summary>
internal readonly record struct Answer(int Status, JsonElement Body)
{
    public string? Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("code", out var c) ? c.GetString() : null;

    public string Text(string property) => Body.GetProperty(property).GetString()!;

    public override string ToString() => $"{Status} {Body}";
}

/// <summary>
/// What the shoppers' browsers do: call the Host's API with a bearer token, and like any sane client retry
/// what says "try again" (no answer, 5xx, <c>409 request_in_progress</c>) with the same body and
/// Idempotency-Key, backing off, for up to five minutes (the Host may be down for a restart).
/// </summary>
internal sealed class Shop(HttpClient http, Uri host, Uri emulator, AuthOptions auth)
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    /// <summary>Retries by cause: "no answer", "500", "502", "503", "409 request_in_progress", …</summary>
    public ConcurrentDictionary<string, int> Retries { get; } = new(StringComparer.Ordinal);

    public string Token(string userId, bool admin = false) =>
        _tokens.GetOrAdd(userId + (admin ? "|admin" : ""), _ => DevelopmentTokens.Mint(auth, userId, admin ? [auth.AdminRole] : null,
            admin ? null : $"{userId}@campaign.test", TimeSpan.FromHours(8)));

    public Task<Answer> HostAsync(HttpMethod method, string path, object? body, string token, string? idempotencyKey, CancellationToken ct) =>
        SendAsync(method, new Uri(host, path), body, token, idempotencyKey, ct);

    /// <summary>The emulator's control endpoints: what the customer does on Stripe's pages.</summary>
    public Task<Answer> EmulatorAsync(string path, object? body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, new Uri(emulator, path), body, null, null, ct);

    private async Task<Answer> SendAsync(HttpMethod method, Uri url, object? body, string? token, string? idempotencyKey, CancellationToken ct)
    {
        var json = body is null ? null : JsonSerializer.Serialize(body, JsonBody.Options);
        var giveUp = DateTimeOffset.UtcNow + GiveUpAfter;
        var wait = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            using var request = new HttpRequestMessage(method, url);
            if (json is not null)
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            if (token is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (idempotencyKey is not null)
                request.Headers.Add("Idempotency-Key", idempotencyKey);

            var answer = await TrySendAsync(request, ct);
            var cause = answer.Status switch
            {
                0 => "no answer",
                >= 500 => answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
                409 when answer.Code == "request_in_progress" => "409 request_in_progress",
                _ => null,
            };
            if (cause is null || DateTimeOffset.UtcNow > giveUp)
                return answer;
            Retries.AddOrUpdate(cause, 1, (_, n) => n + 1);
            await Task.Delay(wait, ct);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(4).Ticks));
        }
    }

    private async Task<Answer> TrySendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            using var response = await http.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            return new Answer((int)response.StatusCode, Parse(text));
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return new Answer(0, Parse(""));
        }
    }

    private static JsonElement Parse(string text)
    {
        try
        {
            return text.Length == 0 ? EmptyObject() : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return EmptyObject();
        }
    }

    private static JsonElement EmptyObject() => JsonDocument.Parse("{}").RootElement.Clone();
}
