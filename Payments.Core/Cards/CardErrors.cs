using Payments.Core.Http;
using Payments.Core.Stripe;

namespace Payments.Core.Cards;

public static class CardErrors
{
    public static ApiError PaymentMethodNotFound() =>
        new(422, "payment_method_not_found", "Stripe has no such payment method for you.", "paymentMethodId");

    public static ApiError NotACard() =>
        new(422, "unsupported_payment_method", "Only card payment methods can be saved.", "paymentMethodId");

    /// <summary>Same shape as a declined purchase: Stripe's code, its decline code, and what the user should do.</summary>
    public static ApiError Declined(string? code, string? declineCode, string message) => ApiErrors.CardDeclined(code, declineCode, message);

    /// <summary>
    /// Stripe no longer has the card's customer or payment method; the card was retired (status <c>error</c>).
    /// Not a decline (nothing was asked of the bank) and not "try again": the user must save the card again.
    /// </summary>
    public static ApiError NeedsAddingAgain(string reason) =>
        new(409, "card_needs_adding_again", "This saved card can no longer be used; add it again.", "paymentMethodId")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["nextAction"] = DeclineAdvice.ToWire(NextAction.AddCard),
                ["reason"] = reason,
            },
        };

    public static ApiError InvalidStatus() =>
        ApiErrors.Validation("status", "status is one of live, expired, cancelled, error, fail_checks, all.");
}
