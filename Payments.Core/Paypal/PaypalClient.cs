using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Payments.Core.Paypal;

/// <summary>
/// PayPal's Orders v2 and Payments v2, typed. A typed HttpClient (<see cref="PaypalModule"/>): transient retries
/// (5xx, 408, 429 after its <c>Retry-After</c>, network errors, timeouts) re-send the very same request, so the same
/// <c>PayPal-Request-Id</c>; the bearer token comes from <see cref="PaypalAccessTokens"/>. Every call asks
/// <c>Prefer: return=representation</c>, so answers carry the amounts and the payments made. Amounts go through
/// <see cref="PaypalAmount"/> only. Failures are <see cref="PaypalException"/>, categorized by <see cref="PaypalErrors"/>.
/// </summary>
public sealed partial class PaypalClient(HttpClient http, IOptions<PaypalOptions> options, ILogger<PaypalClient> logger, IHostEnvironment? environment = null)
{
    public const string RequestIdHeader = "PayPal-Request-Id";
    private const string PreferHeader = "Prefer";
    private const string Representation = "return=representation";

    private string RequestIdPrefix => options.Value.EffectiveRequestIdPrefix(environment?.EnvironmentName ?? Environments.Production);

    // --- Orders v2 ---------------------------------------------------------------------------------

    /// <summary>An order for the payer to approve at <see cref="PaypalOrder.ApproveUrl"/>.</summary>
    public Task<PaypalOrder> CreateOrderAsync(PaypalOrderRequest order, PaypalRequestId requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.PurchaseUnits.Count == 0)
            throw new ArgumentException("An order needs a purchase unit.", nameof(order));
        var body = new PaypalWire.OrderRequest(
            order.Intent == PaypalIntent.Capture ? "CAPTURE" : "AUTHORIZE",
            [.. order.PurchaseUnits.Select(u => new PaypalWire.PurchaseUnitRequest(u.ReferenceId, u.CustomId, u.InvoiceId, u.Description, Positive(u.Amount)))],
            new PaypalWire.PaymentSource(new PaypalWire.PaypalSource(
                new PaypalWire.ExperienceContext(order.ReturnUrl, order.CancelUrl, "PAY_NOW", "NO_SHIPPING", order.BrandName, order.Locale))));
        return PostAsync<PaypalWire.Order, PaypalOrder>("orders.create", "v2/checkout/orders", body, requestId, PaypalWire.Map, ct);
    }

    public Task<PaypalOrder> GetOrderAsync(string orderId, CancellationToken ct) =>
        GetAsync<PaypalWire.Order, PaypalOrder>("orders.get", $"v2/checkout/orders/{Id(orderId)}", PaypalWire.Map, ct);

    /// <summary>An approved AUTHORIZE order's authorization (in <see cref="PaypalOrder.Authorizations"/>).</summary>
    public Task<PaypalOrder> AuthorizeOrderAsync(string orderId, PaypalRequestId requestId, CancellationToken ct) =>
        PostAsync<PaypalWire.Order, PaypalOrder>("orders.authorize", $"v2/checkout/orders/{Id(orderId)}/authorize", null, requestId, PaypalWire.Map, ct);

    /// <summary>An approved CAPTURE order's capture (in <see cref="PaypalOrder.Captures"/>; PENDING is not money yet).</summary>
    public Task<PaypalOrder> CaptureOrderAsync(string orderId, PaypalRequestId requestId, CancellationToken ct) =>
        PostAsync<PaypalWire.Order, PaypalOrder>("orders.capture", $"v2/checkout/orders/{Id(orderId)}/capture", null, requestId, PaypalWire.Map, ct);

    // --- Payments v2: authorizations ---------------------------------------------------------------

    public Task<PaypalAuthorization> GetAuthorizationAsync(string authorizationId, CancellationToken ct) =>
        GetAsync<PaypalWire.Authorization, PaypalAuthorization>("authorizations.get", $"v2/payments/authorizations/{Id(authorizationId)}", PaypalWire.Map, ct);

    /// <summary>All of the authorization (no amount) or part of it; several partial captures unless <see cref="PaypalAuthorizationCaptureRequest.FinalCapture"/>.</summary>
    public Task<PaypalCapture> CaptureAuthorizationAsync(string authorizationId, PaypalAuthorizationCaptureRequest capture, PaypalRequestId requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(capture);
        var body = new PaypalWire.CaptureRequest(capture.Amount is { } amount ? Positive(amount) : null, capture.FinalCapture, capture.InvoiceId, capture.NoteToPayer);
        return PostAsync<PaypalWire.Capture, PaypalCapture>("authorizations.capture", $"v2/payments/authorizations/{Id(authorizationId)}/capture", body, requestId, PaypalWire.Map, ct);
    }

    /// <summary>
    /// Releases what is left of the authorization. PayPal answers 200 with it (or 204, then it is read). PayPal documents
    /// no request id for a void (it is idempotent by nature: a second void answers <c>PREVIOUSLY_VOIDED</c>); ours is sent anyway.
    /// </summary>
    public async Task<PaypalAuthorization> VoidAuthorizationAsync(string authorizationId, PaypalRequestId requestId, CancellationToken ct)
    {
        const string operation = "authorizations.void";
        using var request = Request(HttpMethod.Post, $"v2/payments/authorizations/{Id(authorizationId)}/void", operation, EmptyBody, requestId);
        using var response = await SendAsync(http, request, operation, logger, ct);
        return response.StatusCode == HttpStatusCode.NoContent
            ? await GetAuthorizationAsync(authorizationId, ct)
            : PaypalWire.Map(await ReadAsync<PaypalWire.Authorization>(response, operation, ct));
    }

    /// <summary>A new authorization (a new id) with a fresh 3-day honor period; once per authorization, from day 4 to day 29.</summary>
    public Task<PaypalAuthorization> ReauthorizeAsync(string authorizationId, Money? amount, PaypalRequestId requestId, CancellationToken ct) =>
        PostAsync<PaypalWire.Authorization, PaypalAuthorization>("authorizations.reauthorize", $"v2/payments/authorizations/{Id(authorizationId)}/reauthorize",
            new PaypalWire.ReauthorizeRequest(amount is { } a ? Positive(a) : null), requestId, PaypalWire.Map, ct);

    // --- Payments v2: captures and refunds ---------------------------------------------------------

    public Task<PaypalCapture> GetCaptureAsync(string captureId, CancellationToken ct) =>
        GetAsync<PaypalWire.Capture, PaypalCapture>("captures.get", $"v2/payments/captures/{Id(captureId)}", PaypalWire.Map, ct);

    /// <summary>The rest of the capture (no amount: PayPal sends an empty body) or part of it; several partial refunds allowed.</summary>
    public Task<PaypalRefund> RefundCaptureAsync(string captureId, PaypalRefundRequest refund, PaypalRequestId requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(refund);
        var body = new PaypalWire.RefundRequest(refund.Amount is { } amount ? Positive(amount) : null, refund.InvoiceId, refund.CustomId, refund.NoteToPayer);
        return PostAsync<PaypalWire.Refund, PaypalRefund>("captures.refund", $"v2/payments/captures/{Id(captureId)}/refund", body, requestId, PaypalWire.Map, ct);
    }

    public Task<PaypalRefund> GetRefundAsync(string refundId, CancellationToken ct) =>
        GetAsync<PaypalWire.Refund, PaypalRefund>("refunds.get", $"v2/payments/refunds/{Id(refundId)}", PaypalWire.Map, ct);

    // --- Plumbing ----------------------------------------------------------------------------------

    private static readonly object EmptyBody = new();

    private async Task<TResult> PostAsync<TWire, TResult>(
        string operation, string path, object? body, PaypalRequestId requestId, Func<TWire, TResult> map, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Post, path, operation, body ?? EmptyBody, requestId);
        using var response = await SendAsync(http, request, operation, logger, ct);
        return map(await ReadAsync<TWire>(response, operation, ct));
    }

    private async Task<TResult> GetAsync<TWire, TResult>(string operation, string path, Func<TWire, TResult> map, CancellationToken ct)
    {
        using var request = Request(HttpMethod.Get, path, operation, null, null);
        using var response = await SendAsync(http, request, operation, logger, ct);
        return map(await ReadAsync<TWire>(response, operation, ct));
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string operation, object? body, PaypalRequestId? requestId)
    {
        if (!options.Value.IsConfigured || http.BaseAddress is null)
            throw PaypalException.NotConfigured(operation);
        var request = new HttpRequestMessage(method, path);
        request.Options.Set(PaypalCallMetrics.OperationKey, operation);
        request.Headers.Add(PreferHeader, Representation);
        if (requestId is { } id)
        {
            if (string.IsNullOrEmpty(id.Value))
                throw new ArgumentException("A PayPal write needs a request id derived from our ids.", nameof(requestId));
            request.Headers.Add(RequestIdHeader, RequestIdPrefix + id.Value);
        }
        if (body is not null)
        {
            // Bytes, not a stream: every retry sends the same body.
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), PaypalWire.Json));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        return request;
    }

    private static PaypalWire.Amount Positive(Money amount) =>
        amount.Amount > 0 ? PaypalWire.Amount.From(amount) : throw new ArgumentOutOfRangeException(nameof(amount), "PayPal amounts we send are positive.");

    private static string Id(string id) =>
        string.IsNullOrWhiteSpace(id) ? throw new ArgumentException("A PayPal id is required.", nameof(id)) : Uri.EscapeDataString(id);

    /// <summary>Sends one logical call (the handlers retry it); a failure becomes a categorized, logged <see cref="PaypalException"/>.</summary>
    internal static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpRequestMessage request, string operation, ILogger logger, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            LogUnreachable(logger, operation, ex.GetType().Name);
            var what = ex is HttpRequestException ? "could not be reached" : "did not answer in time";
            throw new PaypalException(PaypalErrorCategory.Retry, operation, null, null, null, null, $"PayPal {what}.", inner: ex);
        }
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
            throw await ErrorAsync(response, operation, logger, ct);
    }

    private static async Task<PaypalException> ErrorAsync(HttpResponseMessage response, string operation, ILogger logger, CancellationToken ct)
    {
        PaypalWire.Error? error = null;
        try
        {
            error = await response.Content.ReadFromJsonAsync<PaypalWire.Error>(PaypalWire.Json, ct);
        }
        catch (JsonException)
        {
            // Not PayPal's error shape (a proxy's HTML page): the status says enough.
        }
        var status = (int)response.StatusCode;
        var name = error?.Name ?? error?.OAuthError;
        var details = (error?.Details ?? []).Select(d => new PaypalErrorDetail(d.Issue, d.Field, d.Value, d.Location, d.Description)).ToList();
        var issue = details.FirstOrDefault(d => d.Issue is not null)?.Issue;
        var debugId = error?.DebugId ?? (response.Headers.TryGetValues("Paypal-Debug-Id", out var ids) ? ids.FirstOrDefault() : null);
        var message = error?.Message ?? error?.ErrorDescription ?? $"PayPal answered {status} {response.ReasonPhrase}.";
        var category = PaypalErrors.Categorize(status, name, issue);
        LogRefused(logger, operation, status, name, issue, debugId, category, message);
        return new PaypalException(category, operation, status, name, issue, debugId, message, details);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string operation, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(PaypalWire.Json, ct)
                ?? throw new JsonException("empty answer");
        }
        catch (JsonException ex)
        {
            // PayPal did the work but its answer was unreadable: the same request id reads it again.
            throw new PaypalException(PaypalErrorCategory.Retry, operation, (int)response.StatusCode, null, null, null, "PayPal's answer could not be read.", inner: ex);
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning,
        Message = "PayPal refused {Operation}: HTTP {Status} {Name} {Issue} (debug_id {DebugId}, {Category}): {PaypalMessage}")]
    private static partial void LogRefused(ILogger logger, string operation, int status, string? name, string? issue, string? debugId, PaypalErrorCategory category, string paypalMessage);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "PayPal gave no answer to {Operation} after our retries ({Failure})")]
    private static partial void LogUnreachable(ILogger logger, string operation, string failure);
}
