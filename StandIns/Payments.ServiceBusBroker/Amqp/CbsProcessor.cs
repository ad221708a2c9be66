using System.Security.Cryptography;
using System.Text;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Microsoft.Extensions.Logging;

namespace Payments.ServiceBusBroker.Amqp;

/// <summary>
/// Claims-based authorization on <c>$cbs</c>: the client puts a token before each link. Like Service Bus,
/// a SAS token must be signed with the namespace's key and not be expired (401 otherwise). Other token
/// types (Entra ID JWTs) are accepted unchecked: the broker has no identity provider.
/// </summary>
internal sealed partial class CbsProcessor(string keyName, string key, TimeProvider clock, BrokerOperations operations, ILogger logger) : IRequestProcessor
{
    public int Credit => 100;

    public void Process(RequestContext requestContext)
    {
        if (requestContext.ResponseLink is null)
            return;
        var request = requestContext.Message;
        operations.Count(BrokerOperations.CbsEntity, BrokerOperations.PutToken);
        var (status, description) = request.ApplicationProperties?["operation"] as string == "put-token"
            ? Check(request.Body as string, request.ApplicationProperties?["type"] as string)
            : (400, "The $cbs node only takes put-token.");
        if (status != 202)
            LogTokenRefused(description);

        var response = new Message { ApplicationProperties = new ApplicationProperties() };
        response.ApplicationProperties["status-code"] = status;
        response.ApplicationProperties["status-description"] = description;
        requestContext.Complete(response);
    }

    private (int Status, string Description) Check(string? token, string? type)
    {
        if (type != "servicebus.windows.net:sastoken")
            return (202, "Accepted");
        if (token is null || !token.StartsWith("SharedAccessSignature ", StringComparison.Ordinal))
            return (401, "The token is not a SharedAccessSignature.");

        var fields = token["SharedAccessSignature ".Length..].Split('&')
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("sr", out var resource) || !fields.TryGetValue("se", out var expiry)
            || !fields.TryGetValue("skn", out var name) || !fields.TryGetValue("sig", out var signature))
            return (401, "The SharedAccessSignature lacks sr, se, skn or sig.");
        if (!string.Equals(name, keyName, StringComparison.Ordinal))
            return (401, $"Unknown SharedAccessKeyName '{name}'.");
        if (!long.TryParse(expiry, System.Globalization.CultureInfo.InvariantCulture, out var expiresAt)
            || DateTimeOffset.FromUnixTimeSeconds(expiresAt) <= clock.GetUtcNow())
            return (401, "The SharedAccessSignature has expired.");

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(resource + "\n" + expiry));
        var given = Convert.TryFromBase64String(Uri.UnescapeDataString(signature), new byte[32], out var written) && written == 32
            ? Convert.FromBase64String(Uri.UnescapeDataString(signature))
            : [];
        return CryptographicOperations.FixedTimeEquals(expected, given)
            ? (202, "Accepted")
            : (401, "The SharedAccessSignature's signature does not match the key.");
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "$cbs refused a token: {Reason}")]
    private partial void LogTokenRefused(string reason);
}
