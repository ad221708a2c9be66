namespace Payments.Core.Paypal;

/// <summary>
/// Reads each answer's body inside the retried pipeline. HttpClient would otherwise read it after the handlers have
/// returned, so a connection that drops after PayPal's headers but before the end of its body (PayPal acted; the
/// answer is lost) would fail outside the retries. Here it fails as a network error, and the retry asks again under
/// the same request id.
/// </summary>
public sealed class PaypalWholeAnswers : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            return response;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            response.Dispose();
            throw ex as HttpRequestException ?? new HttpRequestException("PayPal's answer broke off.", ex);
        }
    }
}
