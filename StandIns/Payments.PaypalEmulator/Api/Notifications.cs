using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.PaypalEmulator;

/// <summary>
/// Webhooks v1, the parts a receiver uses: the signing certificate (public, as PayPal serves it),
/// <c>verify-webhook-signature</c> (the postback check), and the event log (show, list, resend).
/// </summary>
internal static class Notifications
{
    private static readonly string[] VerifyFields = ["auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time", "webhook_id"];

    public static void Map(IEndpointRouteBuilder app)
    {
        // No token: whoever got a webhook must be able to fetch the certificate it names.
        app.MapGet("/v1/notifications/certs/{certId}", (string certId, Certificates certificates, EmulatorState state) =>
            certId == certificates.CertId
                ? Results.Text(certificates.ChainPem, "application/x-pem-file")
                : PaypalErrors.NotFound("cert_id", certId).ToResult(Ids.DebugId(), "notifications.certs"));
        app.MapPost("/v1/notifications/verify-webhook-signature", new Operation("notifications.verify-webhook-signature", null, Verify));
        app.MapGet("/v1/notifications/webhooks-events", new Operation("notifications.webhooks-events.list", null, ListEvents));
        app.MapGet("/v1/notifications/webhooks-events/{id}", new Operation("notifications.webhooks-events.get", null, GetEvent));
        app.MapPost("/v1/notifications/webhooks-events/{id}/resend", new Operation("notifications.webhooks-events.resend", null, ResendEvent));
    }

    /// <summary>
    /// SUCCESS when the signature verifies with the emulator's certificate over the transmission id and time, the
    /// emulator's webhook id, and the CRC-32 of <c>webhook_event</c> exactly as it appears in this request's bytes
    /// (so the event must be passed on as it arrived: re-serialized JSON fails), the cert URL is the emulator's and
    /// the algorithm SHA256withRSA; FAILURE otherwise.
    /// </summary>
    private static Outcome Verify(ApiCall call)
    {
        var body = call.Body ?? throw PaypalErrors.InvalidRequest(new ErrorDetail("MALFORMED_REQUEST_JSON", Location: "body"));
        var problems = new Problems();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in VerifyFields)
        {
            if (Fields.Property(body, name) is null)
            {
                problems.Invalid("MISSING_REQUIRED_PARAMETER", $"/{name}");
            }
            else if (Fields.String(body, name, $"/{name}", problems, 1, 500) is { } value)
            {
                values[name] = value;
            }
        }

        var webhookEvent = Fields.Property(body, "webhook_event");
        if (webhookEvent is null)
        {
            problems.Invalid("MISSING_REQUIRED_PARAMETER", "/webhook_event");
        }
        else if (webhookEvent.Value.ValueKind != JsonValueKind.Object)
        {
            problems.Invalid("INVALID_PARAMETER_SYNTAX", "/webhook_event");
        }

        problems.ThrowAny();
        var deliverer = call.Request.HttpContext.RequestServices.GetRequiredService<WebhookDeliverer>();
        var certificates = call.Request.HttpContext.RequestServices.GetRequiredService<Certificates>();
        var ok = values["auth_algo"] == Certificates.AuthAlgorithm
            && values["cert_url"] == certificates.CertUrl(call.State.BaseUrl)
            && values["webhook_id"] == deliverer.Settings.WebhookId
            && certificates.Verify(values["transmission_id"], values["transmission_time"], values["webhook_id"],
                Encoding.UTF8.GetBytes(webhookEvent!.Value.GetRawText()), values["transmission_sig"]);
        return new Outcome(StatusCodes.Status200OK, "verification", "", Body: new JsonObject { ["verification_status"] = ok ? "SUCCESS" : "FAILURE" });
    }

    private static WebhookEvent FindEvent(ApiCall call)
    {
        var id = (string)call.Request.RouteValues["id"]!;
        return call.State.Events.Find(id) ?? throw PaypalErrors.NotFound("event_id", id);
    }

    private static Outcome GetEvent(ApiCall call)
    {
        var evt = FindEvent(call);
        return new Outcome(StatusCodes.Status200OK, "event", evt.Id, Body: evt.ToJson());
    }

    /// <summary>Newest first; <c>page_size</c> (1-300, default 10), <c>start_time</c>/<c>end_time</c> (RFC 3339), <c>event_type</c>.</summary>
    private static Outcome ListEvents(ApiCall call)
    {
        var query = call.Request.Query;
        var problems = new Problems();
        var pageSize = 10;
        if (query["page_size"].FirstOrDefault() is { } size
            && (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > 300))
        {
            problems.Schema.Add(new ErrorDetail("INVALID_PARAMETER_VALUE", "page_size", size, "query"));
        }

        var start = Time(query["start_time"].FirstOrDefault(), "start_time", problems);
        var end = Time(query["end_time"].FirstOrDefault(), "end_time", problems);
        problems.ThrowAny();
        var type = query["event_type"].FirstOrDefault();
        var events = call.State.Events.Snapshot()
            .Where(e => (start is null || e.CreateTime >= start) && (end is null || e.CreateTime <= end) && (type is null || e.EventType == type))
            .Reverse()
            .Take(pageSize)
            .Select(e => (JsonNode)e.ToJson())
            .ToArray();
        return new Outcome(StatusCodes.Status200OK, "events", "", Body: new JsonObject
        {
            ["events"] = new JsonArray(events),
            ["count"] = events.Length,
            ["links"] = new JsonArray(Render.Link($"{call.State.BaseUrl}/v1/notifications/webhooks-events?page_size={pageSize}", "self", "GET")),
        });
    }

    private static DateTimeOffset? Time(string? text, string name, Problems problems)
    {
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at;
        }

        problems.Schema.Add(new ErrorDetail("INVALID_PARAMETER_SYNTAX", name, text, "query"));
        return null;
    }

    /// <summary>Queues a new transmission of the event to the webhook; 202 with the event.</summary>
    private static Outcome ResendEvent(ApiCall call)
    {
        var evt = FindEvent(call);
        call.Request.HttpContext.RequestServices.GetRequiredService<WebhookDeliverer>().Resend(evt);
        return new Outcome(StatusCodes.Status202Accepted, "event", evt.Id, Body: evt.ToJson());
    }
}
