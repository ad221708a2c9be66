using System.Globalization;
using System.Text.Json;

namespace Payments.Core.Webhooks;

/// <summary>
/// The few fields of a PayPal webhook event we store and route on: <c>id</c> (<c>WH-…</c>, the inbox row, so a
/// redelivery of the same event is a duplicate), <c>event_type</c>, <c>create_time</c>, <c>resource_version</c>, and the
/// order the event is about. As with Stripe, handlers never take state from the resource: they re-read the order.
/// </summary>
/// <param name="SubjectId">
/// The order's id when the resource names it: the order itself (<c>CHECKOUT.ORDER.*</c>), or a capture's or
/// authorization's <c>supplementary_data.related_ids.order_id</c>. A refund names only its capture (its <c>up</c> link),
/// and a capture or authorization without <c>supplementary_data</c> only itself: then <c>capture:{id}</c> or
/// <c>authorization:{id}</c>, which the handler follows to the order. Null when the resource names none of them.
/// </param>
public sealed record PaypalEventEnvelope(string Id, string Type, long Created, string? ResourceType, string? ResourceVersion, string? SubjectId)
{
    public const string CapturePrefix = "capture:";
    public const string AuthorizationPrefix = "authorization:";

    public static PaypalEventEnvelope? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || Text(root, "id") is not { } id || !id.StartsWith("WH-", StringComparison.Ordinal) || !TableKeys.IsSafe(id, 255)
                || Text(root, "event_type") is not { Length: > 0 and <= 200 } type
                || !DateTimeOffset.TryParse(Text(root, "create_time"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created))
                return null;
            var resourceType = Text(root, "resource_type");
            var subject = root.TryGetProperty("resource", out var resource) && resource.ValueKind == JsonValueKind.Object
                ? SubjectOf(type, resourceType, resource)
                : null;
            return new PaypalEventEnvelope(id, type, created.ToUnixTimeSeconds(), resourceType, Text(root, "resource_version"), subject);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? SubjectOf(string type, string? resourceType, JsonElement resource)
    {
        var id = Safe(Text(resource, "id"));
        if (resourceType == "checkout-order" || type.StartsWith("CHECKOUT.ORDER.", StringComparison.Ordinal))
            return id;
        if (resource.TryGetProperty("supplementary_data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("related_ids", out var related) && related.ValueKind == JsonValueKind.Object
            && Safe(Text(related, "order_id")) is { } orderId)
            return orderId;
        return resourceType switch
        {
            "refund" => Safe(UpLink(resource, "/captures/")) is { } captureId ? CapturePrefix + captureId : null,
            "capture" when id is not null => CapturePrefix + id,
            "authorization" when id is not null => AuthorizationPrefix + id,
            _ => null,
        };
    }

    /// <summary>The id at the end of the resource's <c>up</c> link, e.g. <c>…/v2/payments/captures/{id}</c>.</summary>
    private static string? UpLink(JsonElement resource, string segment)
    {
        if (!resource.TryGetProperty("links", out var links) || links.ValueKind != JsonValueKind.Array)
            return null;
        foreach (var link in links.EnumerateArray())
        {
            if (link.ValueKind != JsonValueKind.Object || Text(link, "rel") != "up" || Text(link, "href") is not { } href
                || !Uri.TryCreate(href, UriKind.Absolute, out var uri))
                continue;
            var path = uri.AbsolutePath;
            var at = path.IndexOf(segment, StringComparison.Ordinal);
            if (at < 0)
                continue;
            var rest = path[(at + segment.Length)..];
            var end = rest.IndexOf('/', StringComparison.Ordinal);
            return end < 0 ? rest : rest[..end];
        }
        return null;
    }

    /// <summary>PayPal's ids are letters and digits; anything else (or too long) is not one, and routes nowhere.</summary>
    private static string? Safe(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? id : null;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
