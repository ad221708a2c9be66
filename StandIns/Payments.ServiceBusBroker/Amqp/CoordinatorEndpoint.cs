using Amqp;
using Amqp.Framing;
using Amqp.Listener;

namespace Payments.ServiceBusBroker.Amqp;

/// <summary>
/// A client's transaction coordinator link, attached so that every <c>declare</c> can be refused with
/// <c>amqp:not-implemented</c> (the client raises NotSupportedException). Refusing the attach itself
/// races in the client: its coordinator link can count as open before the detach arrives, and the
/// caller then sees "object is closed" instead of the reason.
/// </summary>
internal sealed class CoordinatorEndpoint : LinkEndpoint
{
    private const string Refusal = "The local Service Bus broker does not support transactions.";

    public override void OnMessage(MessageContext messageContext) =>
        messageContext.Complete(new Error(ErrorCode.NotImplemented) { Description = Refusal });

    public override void OnFlow(FlowContext flowContext)
    {
    }

    public override void OnDisposition(DispositionContext dispositionContext)
    {
    }
}
