namespace Payments.Core.Stripe;

/// <summary>What the user should do next. <see cref="AddCard"/>: the saved card can no longer be used (Stripe lost it); save it again.</summary>
public enum NextAction { UseAnotherCard, RetryLater, ContactBank, UpdateCardDetails, AddCard }

/// <summary>What a decline means for the saved card.</summary>
public enum CardConsequence { None, Expire, FailChecks }

/// <summary>
/// Turns Stripe's decline into what the user should do next and what happens to the saved card.
/// The table is documented in docs/purchases.md; anything unknown asks for another card.
/// </summary>
public sealed record DeclineAdvice(NextAction NextAction, CardConsequence Card)
{
    public static DeclineAdvice For(string? code, string? declineCode) => (code, declineCode) switch
    {
        ("expired_card", _) or (_, "expired_card") => new(NextAction.UseAnotherCard, CardConsequence.Expire),
        ("incorrect_cvc" or "invalid_cvc" or "incorrect_number" or "invalid_number" or "invalid_expiry_month" or "invalid_expiry_year" or "incorrect_zip", _)
            or (_, "incorrect_cvc" or "invalid_cvc" or "incorrect_number" or "incorrect_zip")
            => new(NextAction.UpdateCardDetails, CardConsequence.None),
        (_, "lost_card" or "stolen_card" or "fraudulent" or "pickup_card" or "restricted_card" or "security_violation" or "merchant_blacklist")
            => new(NextAction.UseAnotherCard, CardConsequence.FailChecks),
        (_, "insufficient_funds") => new(NextAction.UseAnotherCard, CardConsequence.None),
        ("processing_error", _) or (_, "processing_error" or "try_again_later" or "issuer_not_available" or "reenter_transaction" or "approve_with_id")
            => new(NextAction.RetryLater, CardConsequence.None),
        (_, "card_velocity_exceeded" or "withdrawal_count_limit_exceeded" or "do_not_honor" or "call_issuer" or "generic_decline"
            or "transaction_not_allowed" or "not_permitted" or "card_not_supported" or "currency_not_supported" or "service_not_allowed")
            => new(NextAction.ContactBank, CardConsequence.None),
        _ => new(NextAction.UseAnotherCard, CardConsequence.None),
    };

    public static string ToWire(NextAction action) => action switch
    {
        NextAction.UseAnotherCard => "use_another_card",
        NextAction.RetryLater => "retry_later",
        NextAction.ContactBank => "contact_bank",
        NextAction.UpdateCardDetails => "update_card_details",
        NextAction.AddCard => "add_card",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };
}
