using System.Text;
using System.Text.Encodings.Web;

namespace Payments.PaypalEmulator;

/// <summary>
/// The page the payer is sent to (<c>GET /checkoutnow?token={orderId}</c>, the approve and payer-action links): the
/// amount, a choice of funding, and Approve and Cancel buttons, each a plain HTML form posting to
/// <c>POST /checkoutnow</c>, so a person or a test with an HTTP client can drive it. Approve redirects (303) to the
/// order's return_url with <c>?token=…&amp;PayerID=…</c>; Cancel to its cancel_url with <c>?token=…</c>.
/// </summary>
internal static class ApprovePage
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/checkoutnow", Show);
        app.MapPost("/checkoutnow", SubmitAsync).DisableAntiforgery();
    }

    private static IResult Show(string? token, EmulatorState state)
    {
        lock (state.Sync)
        {
            if (token is null || !state.Orders.TryGetValue(token, out var order))
            {
                return Page(StatusCodes.Status404NotFound, "Order not found", "<p>There is no order with this token.</p>");
            }

            if (Approval.Refusal(state, order) is { } refusal)
            {
                return Page(StatusCodes.Status409Conflict, "This order cannot be paid", $"<p>{Html(refusal)}</p>");
            }

            return Page(StatusCodes.Status200OK, "Pay with PayPal", Form(order));
        }
    }

    private static async Task<IResult> SubmitAsync(HttpContext http, EmulatorState state)
    {
        if (!http.Request.HasFormContentType)
        {
            return Page(StatusCodes.Status400BadRequest, "Bad request", "<p>Submit the form on the approve page.</p>");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var token = form["token"].FirstOrDefault();
        var action = form["action"].FirstOrDefault();
        lock (state.Sync)
        {
            if (token is null || !state.Orders.TryGetValue(token, out var order))
            {
                return Page(StatusCodes.Status404NotFound, "Order not found", "<p>There is no order with this token.</p>");
            }

            if (action == "cancel")
            {
                return Approval.CancelRedirect(order) is { } back
                    ? SeeOther(back)
                    : Page(StatusCodes.Status200OK, "Payment cancelled", "<p>You cancelled. You can close this window.</p>");
            }

            if (action != "approve")
            {
                return Page(StatusCodes.Status400BadRequest, "Bad request", "<p>Choose Approve or Cancel.</p>");
            }

            if (Approval.Refusal(state, order) is { } refusal)
            {
                return Page(StatusCodes.Status409Conflict, "This order cannot be paid", $"<p>{Html(refusal)}</p>");
            }

            if (FundingNames.Parse(form["funding"].FirstOrDefault()) is not { } funding)
            {
                return Page(StatusCodes.Status400BadRequest, "Bad request", "<p>Choose how to pay.</p>");
            }

            Approval.Approve(state, order, funding, payer: null);
            return Approval.ReturnRedirect(order) is { } next
                ? SeeOther(next)
                : Page(StatusCodes.Status200OK, "Payment approved", "<p>You approved the payment. You can close this window.</p>");
        }
    }

    /// <summary>303: the browser follows with a GET, as after PayPal's approval.</summary>
    private static SeeOtherResult SeeOther(string location) => new SeeOtherResult(location);

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    private static string Form(Order order)
    {
        var token = Html(order.Id);
        var html = new StringBuilder();
        html.Append("<p>Merchant: <strong>Payments (PayPal emulator)</strong></p>");
        html.Append("<table><caption>Order ").Append(token).Append("</caption><thead><tr><th scope=\"col\">Item</th><th scope=\"col\">Amount</th></tr></thead><tbody>");
        foreach (var unit in order.Units)
        {
            html.Append("<tr><td>").Append(Html(unit.Description ?? unit.ReferenceId)).Append("</td><td>")
                .Append(Html(unit.Amount.Value)).Append(' ').Append(Html(unit.Amount.Currency)).Append("</td></tr>");
        }

        html.Append("</tbody></table>");
        if (order.Units.Count > 0)
        {
            var currency = order.Units[0].Amount.Currency;
            var total = new Money(currency, order.Units.Sum(u => u.Amount.Minor));
            html.Append("<p id=\"total\">Total: <strong>").Append(Html(total.Value)).Append(' ').Append(Html(currency)).Append("</strong></p>");
        }

        html.Append("<form method=\"post\" action=\"/checkoutnow\">")
            .Append("<input type=\"hidden\" name=\"token\" value=\"").Append(token).Append("\">")
            .Append("<fieldset><legend>Pay with</legend>");
        var first = true;
        foreach (var (_, name, label) in FundingNames.All)
        {
            html.Append("<div><input type=\"radio\" name=\"funding\" id=\"funding-").Append(name).Append("\" value=\"").Append(name).Append('"')
                .Append(first ? " checked" : "").Append("><label for=\"funding-").Append(name).Append("\">").Append(Html(label)).Append("</label></div>");
            first = false;
        }

        html.Append("</fieldset><button type=\"submit\" name=\"action\" value=\"approve\">Approve</button></form>")
            .Append("<form method=\"post\" action=\"/checkoutnow\"><input type=\"hidden\" name=\"token\" value=\"").Append(token).Append("\">")
            .Append("<button type=\"submit\" name=\"action\" value=\"cancel\">Cancel and return to the shop</button></form>");
        return html.ToString();
    }

    private static IResult Page(int status, string title, string content)
    {
        var html = $"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{Html(title)} - PayPal emulator</title>
            <style>body{"{"}font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem{"}"}button{"{"}font-size:1rem;padding:.5rem 1rem;margin:.5rem 0{"}"}fieldset{"{"}margin:1rem 0{"}"}table{"{"}border-collapse:collapse{"}"}td,th{"{"}padding:.25rem .75rem;text-align:left{"}"}</style></head>
            <body><main><h1>{Html(title)}</h1>{content}<p><small>Offline PayPal emulator: no money moves.</small></p></main></body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static string Html(string text) => HtmlEncoder.Default.Encode(text);
}
