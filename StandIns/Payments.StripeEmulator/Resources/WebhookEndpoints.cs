using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Payments.StripeEmulator;

/// <summary>
/// /v1/webhook_endpoints: where events are delivered (see <see cref="WebhookDeliverer"/>). The
/// signing secret (<c>whsec_</c>) is shown only in the answer to the create call, as on Stripe.
/// </summary>
internal static partial class WebhookEndpoints
{
    /// <summary>Stripe's limit per account and mode.</summary>
    public const int MaximumEndpoints = 16;

    private static readonly HashSet<string> CreateParams =
        ["api_version", "connect", "description", "enabled_events", "expand", "metadata", "url"];

    private static readonly HashSet<string> UpdateParams =
        ["description", "disabled", "enabled_events", "expand", "metadata", "url"];

    private static readonly HashSet<string> RetrieveParams = ["expand"];

    private static readonly HashSet<string> ListParams = ["ending_before", "expand", "limit", "starting_after"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/webhook_endpoints", Create);
        v1.MapGet("/webhook_endpoints", List);
        v1.MapGet("/webhook_endpoints/{id}", Retrieve);
        v1.MapPost("/webhook_endpoints/{id}", Update);
        v1.MapDelete("/webhook_endpoints/{id}", Delete);
    }

    private static StripeResult Create(StripeParams p, EmulatorState state)
    {
        p.AllowOnly(CreateParams);
        var url = CheckUrl(p.RequireString("url"), "url");
        if (!p.Has("enabled_events"))
        {
            throw StripeErrors.MissingParameter("enabled_events");
        }

        var events = CheckEvents(p.GetStringList("enabled_events"), "enabled_events");
        if (p.GetBool("connect") == true)
        {
            throw StripeErrors.InvalidRequest("The emulator has no connected accounts, so it does not support `connect`.", "connect");
        }

        var apiVersion = p.GetString("api_version") is { Length: > 0 } v ? CheckApiVersion(v, "api_version") : null;
        var description = p.GetString("description") is { Length: > 0 } d ? d : null;
        lock (state.Sync)
        {
            var endpoint = Register(state, url, events, secret: null, apiVersion, description);
            Json.ApplyMetadata(endpoint, p);
            return StripeResult.Ok(WithSecret(state, endpoint, p.Expand));
        }
    }

    private static StripeResult Retrieve(string id, StripeParams p, EmulatorState state)
    {
        p.AllowOnly(RetrieveParams);
        lock (state.Sync)
        {
            return StripeResult.Ok(Json.Render(state, Get(state, id), p.Expand));
        }
    }

    private static StripeResult List(StripeParams p, EmulatorState state)
    {
        p.AllowOnly(ListParams);
        lock (state.Sync)
        {
            var (page, hasMore) = Json.Paginate(p, state.WebhookEndpoints.Values.Reverse());
            return StripeResult.Ok(Json.RenderList(state, "/v1/webhook_endpoints", page, hasMore, p.Expand));
        }
    }

    private static StripeResult Update(string id, StripeParams p, EmulatorState state)
    {
        p.AllowOnly(UpdateParams);
        var url = p.Has("url") ? CheckUrl(p.RequireString("url"), "url") : null;
        var events = p.Has("enabled_events") ? CheckEvents(p.GetStringList("enabled_events"), "enabled_events") : null;
        var disabled = p.GetBool("disabled");
        lock (state.Sync)
        {
            var endpoint = Get(state, id);
            if (url is not null)
            {
                endpoint["url"] = url;
            }

            if (events is not null)
            {
                endpoint["enabled_events"] = ToArray(events);
            }

            if (disabled is { } off)
            {
                endpoint["status"] = off ? "disabled" : "enabled";
            }

            Json.ApplyString(endpoint, p, "description");
            Json.ApplyMetadata(endpoint, p);
            return StripeResult.Ok(Json.Render(state, endpoint, p.Expand));
        }
    }

    private static StripeResult Delete(string id, StripeParams p, EmulatorState state)
    {
        p.AllowOnly(RetrieveParams);
        lock (state.Sync)
        {
            Get(state, id);
            state.WebhookEndpoints.Remove(id);
            state.WebhookSecrets.Remove(id);
            var deleted = Json.NewObject(id, "webhook_endpoint");
            deleted["deleted"] = true;
            return StripeResult.Ok(deleted.ToJsonString(Json.Options));
        }
    }

    public static JsonObject Get(EmulatorState state, string id) =>
        state.WebhookEndpoints.GetValueOrDefault(id) ?? throw StripeErrors.ResourceMissing("webhook_endpoint", id, "id");

    /// <summary>
    /// Stores a new enabled endpoint; <paramref name="secret"/> null makes a random <c>whsec_</c>.
    /// Inputs must have been checked (<see cref="CheckUrl"/>, <see cref="CheckEvents"/>). Caller holds the state lock.
    /// </summary>
    public static JsonObject Register(
        EmulatorState state, string url, IReadOnlyList<string> events, string? secret, string? apiVersion, string? description)
    {
        if (state.WebhookEndpoints.Count >= MaximumEndpoints)
        {
            throw StripeErrors.InvalidRequest(
                $"You have reached the maximum of {MaximumEndpoints} test webhook endpoints.", "url");
        }

        var id = Ids.New("we_");
        var endpoint = Json.NewObject(id, "webhook_endpoint");
        endpoint["api_version"] = apiVersion;
        endpoint["application"] = null;
        endpoint["created"] = Ids.Now();
        endpoint["description"] = description;
        endpoint["enabled_events"] = ToArray(events);
        endpoint["livemode"] = false;
        endpoint["metadata"] = new JsonObject();
        endpoint["status"] = "enabled";
        endpoint["url"] = url;
        state.WebhookEndpoints.Add(id, endpoint);
        state.WebhookSecrets[id] = secret ?? Ids.New("whsec_", 32);
        return endpoint;
    }

    /// <summary>The endpoint as the create call answers: with its signing secret.</summary>
    public static string WithSecret(EmulatorState state, JsonObject endpoint, IReadOnlyList<string> expand)
    {
        var rendered = Json.RenderNode(state, endpoint, expand);
        rendered["secret"] = state.WebhookSecrets[(string)endpoint["id"]!];
        return rendered.ToJsonString(Json.Options);
    }

    /// <summary>Whether an endpoint subscribed to <paramref name="type"/> ("*" means every type).</summary>
    public static bool Wants(JsonObject endpoint, string type) =>
        (string?)endpoint["status"] == "enabled"
        && ((JsonArray)endpoint["enabled_events"]!).Any(e => (string?)e is "*" || (string?)e == type);

    /// <summary>
    /// An absolute http(s) URL. Stripe wants a public https URL; the emulator delivers to whatever
    /// it is given (tests listen on loopback).
    /// </summary>
    public static string CheckUrl(string url, string param) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw StripeErrors.InvalidRequest("Invalid URL: URL must be an absolute http or https URL.", param, "url_invalid");

    /// <summary>
    /// <c>*</c> or event type names. Stripe checks them against its list of types; the emulator
    /// accepts any well-formed name, as an app may subscribe to types the emulator never emits.
    /// </summary>
    public static IReadOnlyList<string> CheckEvents(IReadOnlyList<string> events, string param)
    {
        if (events.Count == 0)
        {
            throw StripeErrors.MissingParameter(param);
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] != "*" && !EventName().IsMatch(events[i]))
            {
                throw StripeErrors.InvalidRequest($"Invalid {param}[{i}]: must be `*` or an event type such as `invoice.paid`.", $"{param}[{i}]");
            }
        }

        return events;
    }

    public static string CheckApiVersion(string version, string param) =>
        ApiVersionPattern().IsMatch(version)
            ? version
            : throw StripeErrors.InvalidRequest($"Invalid {param}: {version} is not a Stripe API version such as {StripeEmulatorApp.ApiVersion}.", param);

    private static JsonArray ToArray(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);

    [GeneratedRegex(@"^[a-z0-9_]+(\.[a-z0-9_]+)+$")]
    private static partial Regex EventName();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")]
    private static partial Regex ApiVersionPattern();
}
