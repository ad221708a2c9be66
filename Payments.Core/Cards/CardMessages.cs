namespace Payments.Core.Cards;

public static class CardMessages
{
    /// <summary>Detach a removed card's payment method from the Stripe customer. SubjectId = card id, OwnerId = user id.</summary>
    public const string Detach = "card.detach";
}
