using System.Globalization;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Payments.FunctionsHostStandIn.Protocol;

namespace Payments.FunctionsHostStandIn;

/// <summary>
/// The trigger metadata the host sends with a single Service Bus message: the binding data of the
/// WebJobs Service Bus extension (<c>ServiceBusTriggerBindingStrategy</c>, extension 5.x) converted as
/// the host converts binding data for the worker (<c>GrpcMessageConversionExtensions.ToRpc</c>):
/// strings as strings, everything else (numbers, dates, the properties dictionary) as JSON text, and
/// null values left out. The worker binds parameters named like a key (<c>int deliveryCount</c>) from it.
/// </summary>
public static class ServiceBusTriggerMetadata
{
    public static IReadOnlyDictionary<string, TypedData> For(ServiceBusReceivedMessage message)
    {
        var metadata = new Dictionary<string, TypedData>(StringComparer.Ordinal);
        void Text(string key, string? value)
        {
            if (value is not null)
                metadata[key] = new TypedData { String = value };
        }
        void Json(string key, string json) => metadata[key] = new TypedData { Json = json };

        Json("DeliveryCount", message.DeliveryCount.ToString(CultureInfo.InvariantCulture));
        Text("DeadLetterSource", message.DeadLetterSource);
        Text("LockToken", message.LockToken);
        Json("ExpiresAtUtc", Quoted(message.ExpiresAt.DateTime));
        Json("ExpiresAt", Quoted(message.ExpiresAt));
        Json("EnqueuedTimeUtc", Quoted(message.EnqueuedTime.DateTime));
        Json("EnqueuedTime", Quoted(message.EnqueuedTime));
        Text("MessageId", message.MessageId);
        Text("ContentType", message.ContentType);
        Text("ReplyTo", message.ReplyTo);
        Json("SequenceNumber", message.SequenceNumber.ToString(CultureInfo.InvariantCulture));
        Text("To", message.To);
        Text("Subject", message.Subject);
        Text("Label", message.Subject); // the extension keeps the old name too
        Text("CorrelationId", message.CorrelationId);
        var properties = JsonSerializer.Serialize(message.ApplicationProperties, AsJsonNet);
        Json("ApplicationProperties", properties);
        Json("UserProperties", properties); // the old name, as the extension sends it
        Text("SessionId", message.SessionId);
        Text("ReplyToSessionId", message.ReplyToSessionId);
        Text("PartitionKey", message.PartitionKey);
        Text("TransactionPartitionKey", message.TransactionPartitionKey);
        return metadata;
    }

    /// <summary>Json.NET escapes only what JSON requires (a '+' stays a '+').</summary>
    private static readonly JsonSerializerOptions AsJsonNet = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A DateTime as Json.NET writes it by default (ISO 8601, trailing zeros of the fraction dropped, no zone for an unspecified kind).</summary>
    private static string Quoted(DateTime value) => $"\"{value.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFFK", CultureInfo.InvariantCulture)}\"";

    private static string Quoted(DateTimeOffset value) => $"\"{value.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFFzzz", CultureInfo.InvariantCulture)}\"";
}
