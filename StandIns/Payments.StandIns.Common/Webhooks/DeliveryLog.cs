using Microsoft.Extensions.Logging;

namespace Payments.StandIns.Common.Webhooks;

/// <summary>The delivery loop's own log lines (the deliverers log their attempts in their own words).</summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Webhook delivery of {EventId} to {Destination} failed unexpectedly")]
    public static partial void UnexpectedFailure(ILogger logger, Exception exception, string eventId, string destination);
}
