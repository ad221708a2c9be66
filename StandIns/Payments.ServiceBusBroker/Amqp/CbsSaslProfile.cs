using Amqp;
using Amqp.Framing;
using Amqp.Sasl;
using Amqp.Types;

namespace Payments.ServiceBusBroker.Amqp;

/// <summary>
/// The SASL mechanism the Service Bus client insists on. It carries no credentials: the client proves
/// itself afterwards with a token per link on <c>$cbs</c>. So, like Service Bus, accept the mechanism.
/// </summary>
internal sealed class CbsSaslProfile() : SaslProfile(Name)
{
    public const string Name = "MSSBCBS";

    protected override ITransport UpgradeTransport(ITransport transport) => transport;

    // Only a client starts the exchange; the listener never calls this.
    protected override DescribedList GetStartCommand(string hostname) =>
        throw new NotSupportedException("MSSBCBS is only accepted, never initiated, by the broker.");

    protected override DescribedList OnCommand(DescribedList command) => new SaslOutcome { Code = SaslCode.Ok };
}
