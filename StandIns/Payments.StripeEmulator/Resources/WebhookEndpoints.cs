using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Payments.StripeEmulator;

/// <summary>
/// Where events are delivered (see <see cref="WebhookDeliverer"/>). Payments does not call
/// /v1/webhook_endpoints, so endpoints come from configuration or the control API, each with its
/// signing secret (<c>whsec_</c>).
/// </summary>
internal static partial class WebhookEndpoints
{
    /// <summary>Stripe's limit per account and mode.</summary>
    public const int MaximumEndpoints = 16;

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

    /// <summary>The endpoint as Stripe's create call answers: with its signing secret.</summary>
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
