using System.Net;
using System.Net.Http.Headers;

namespace Payments.Core.Paypal;

/// <summary>
/// Puts the bearer token on every attempt (a retry after a renewal carries the new one) and, when PayPal answers
/// 401, renews the token once and sends the same request again: a token PayPal revoked or expired early costs one
/// extra request, and a second 401 reaches the caller as a configuration fault.
/// </summary>
public sealed class PaypalAuthentication(PaypalAccessTokens tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAsync(cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
            return response;

        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.RenewAsync(token, cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }
}
