using System.Net;
using System.Web;
using Xunit;

namespace Payments.StandIns.Tests.PaypalEmulator;

/// <summary>The approve page driven as a browser would: GET the page, POST its forms, follow nothing (the 303 is the assertion).</summary>
public sealed class ApprovePageTests : PaypalTest
{
    private HttpClient Browser { get; set; } = null!;

    private async Task<HttpResponseMessage> SubmitAsync(string token, string action, string? funding = null)
    {
        var fields = new List<KeyValuePair<string, string>> { new("token", token), new("action", action) };
        if (funding is not null)
        {
            fields.Add(new("funding", funding));
        }

        return await Browser.PostAsync("checkoutnow", new FormUrlEncodedContent(fields));
    }

    private void StartBrowser() => Browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Server.BaseUrl };

    [Fact]
    public async Task The_page_shows_the_amount_and_approving_redirects_to_return_url_with_token_and_PayerID()
    {
        StartBrowser();
        var order = await CreateOrderAsync("1500", "JPY");
        using var page = await Browser.GetAsync(new Uri(order.Link("payer-action")!).PathAndQuery.TrimStart('/'));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("Total: <strong>1500 JPY</strong>", html, StringComparison.Ordinal);
        Assert.Contains("<legend>Pay with</legend>", html, StringComparison.Ordinal);
        Assert.Contains("<label for=\"funding-card_declined\">", html, StringComparison.Ordinal);
        Assert.Contains("value=\"approve\">Approve</button>", html, StringComparison.Ordinal);

        using var approved = await SubmitAsync(order.Id, "approve", "balance");

        Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
        var location = approved.Headers.Location!;
        Assert.Equal("https://shop.example/paypal/return", location.GetLeftPart(UriPartial.Path));
        var query = HttpUtility.ParseQueryString(location.Query);
        Assert.Equal("1", query["x"]);
        Assert.Equal(order.Id, query["token"]);
        var shown = await GetAsync($"/v2/checkout/orders/{order.Id}");
        Assert.Equal("APPROVED", shown.Body.GetProperty("status").GetString());
        Assert.Equal(query["PayerID"], shown.Body.GetProperty("payer").GetProperty("payer_id").GetString());
        Assert.Equal(query["PayerID"], shown.Body.GetProperty("payment_source").GetProperty("paypal").GetProperty("account_id").GetString());
        Assert.Equal(HttpStatusCode.Created, (await PostAsync($"/v2/checkout/orders/{order.Id}/capture")).Status);

        using var paid = await Browser.GetAsync($"checkoutnow?token={order.Id}");
        Assert.Equal(HttpStatusCode.Conflict, paid.StatusCode);
    }

    [Fact]
    public async Task Cancel_redirects_to_cancel_url_and_leaves_the_order_waiting()
    {
        StartBrowser();
        var order = await CreateOrderAsync();

        using var cancelled = await SubmitAsync(order.Id, "cancel");

        Assert.Equal(HttpStatusCode.SeeOther, cancelled.StatusCode);
        Assert.Equal($"https://shop.example/paypal/cancel?token={order.Id}", cancelled.Headers.Location!.ToString());
        Assert.Equal("PAYER_ACTION_REQUIRED", (await GetAsync($"/v2/checkout/orders/{order.Id}")).Body.GetProperty("status").GetString());
        AssertError(await PostAsync($"/v2/checkout/orders/{order.Id}/capture"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED");
    }

    [Fact]
    public async Task Choosing_a_declining_card_on_the_page_makes_the_capture_INSTRUMENT_DECLINED()
    {
        StartBrowser();
        var order = await CreateOrderAsync();

        using var approved = await SubmitAsync(order.Id, "approve", "card_declined");

        Assert.Equal(HttpStatusCode.SeeOther, approved.StatusCode);
        AssertError(await PostAsync($"/v2/checkout/orders/{order.Id}/capture"), HttpStatusCode.UnprocessableEntity, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED");
        using var unknown = await SubmitAsync("NOSUCHORDER", "approve");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
