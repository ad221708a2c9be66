using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Payments.StandIns.Testing;

/// <summary>
/// An emulator (Stripe's or PayPal's) running in process on a free loopback port, with the control calls both serve
/// alike (<c>/_emulator/requests</c>, <c>/_emulator/faults</c>, <c>/_emulator/reset</c>).
/// </summary>
public abstract class InProcessEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;

    protected InProcessEmulator(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Control = new HttpClient { BaseAddress = baseUrl };
    }

    /// <summary>The emulator's root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>For the unauthenticated control endpoints under <c>/_emulator</c> (and raw API calls with your own headers).</summary>
    public HttpClient Control { get; }

    /// <summary>Every API request the emulator handled, oldest first (fields as the emulator's README lists them).</summary>
    public Task<JsonElement[]> RequestsAsync() => GetArrayAsync("_emulator/requests");

    /// <summary>Fails (or slows) the next matching API requests; the fields are the emulator's (see its README).</summary>
    public Task FaultAsync(object fault) => PostOkAsync("_emulator/faults", fault);

    /// <summary>Forgets every object, event, fault, logged request and delivery; settings go back to the configured ones.</summary>
    public async Task ResetAsync() => (await Control.PostAsync("_emulator/reset", null)).EnsureSuccessStatusCode();

    public virtual async ValueTask DisposeAsync()
    {
        Control.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Builds the emulator with <paramref name="settings"/> (quiet logs first), starts it on a free port, answers it and its root.</summary>
    protected static async Task<(WebApplication App, Uri BaseUrl)> StartAppAsync(Func<string[], string, WebApplication> build, string[] settings)
    {
        ArgumentNullException.ThrowIfNull(build);
        var app = build(["--Logging:LogLevel:Default=Warning", .. settings], LoopbackApp.AnyPort);
        return (app, await LoopbackApp.StartAsync(app));
    }

    /// <summary>POSTs JSON to a control endpoint; throws with the body unless it answers a 2xx, else answers the parsed body.</summary>
    protected async Task<JsonElement> PostOkAsync(string path, object body)
    {
        using var response = await Control.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{path}: {(int)response.StatusCode} {text}", null, response.StatusCode);
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    protected async Task<JsonElement[]> GetArrayAsync(string path) =>
        (await Control.GetFromJsonAsync<JsonElement>(path)).EnumerateArray().ToArray();
}
