using Azure.Messaging.ServiceBus;
using Payments.FunctionsHostStandIn;
using Xunit;

namespace Payments.StandIns.Tests.FunctionsHostStandIn;

/// <summary>What the stand-in host binds for a Service Bus trigger besides the body: the extension's binding data.</summary>
public sealed class ServiceBusTriggerMetadataTests
{
    [Fact]
    public void The_trigger_metadata_is_the_extensions_binding_data_as_the_host_converts_it()
    {
        var enqueued = new DateTimeOffset(2026, 12, 4, 18, 30, 15, 120, TimeSpan.Zero);
        var message = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString("{}"), messageId: "m-1", contentType: "application/json", deliveryCount: 3, sequenceNumber: 42,
            enqueuedTime: enqueued, lockTokenGuid: Guid.Parse("9f1c0f4e-5f7a-4d7c-9d1e-0c1f2a3b4c5d"), subject: "invoice",
            properties: new Dictionary<string, object> { ["attempt"] = 2 });

        var metadata = ServiceBusTriggerMetadata.For(message);

        Assert.Equal("3", metadata["DeliveryCount"].Json); // an int becomes JSON text; the worker converts it for `int deliveryCount`
        Assert.Equal("42", metadata["SequenceNumber"].Json);
        Assert.Equal("m-1", metadata["MessageId"].String);
        Assert.Equal("application/json", metadata["ContentType"].String);
        Assert.Equal("9f1c0f4e-5f7a-4d7c-9d1e-0c1f2a3b4c5d", metadata["LockToken"].String);
        Assert.Equal("\"2026-12-04T18:30:15.12\"", metadata["EnqueuedTimeUtc"].Json);
        Assert.Equal("\"2026-12-04T18:30:15.12+00:00\"", metadata["EnqueuedTime"].Json);
        Assert.Equal("""{"attempt":2}""", metadata["ApplicationProperties"].Json);
        Assert.Equal(metadata["ApplicationProperties"], metadata["UserProperties"]);
        Assert.Equal(("invoice", "invoice"), (metadata["Subject"].String, metadata["Label"].String));
        // Null values are not sent (the host skips them).
        Assert.False(metadata.ContainsKey("SessionId"));
        Assert.False(metadata.ContainsKey("DeadLetterSource"));
    }
}
