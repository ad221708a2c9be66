using System.Security.Cryptography;
using System.Text;

namespace Payments.StripeEmulator;

/// <summary>A decline as Stripe reports it: <c>code</c>, <c>decline_code</c> (only for card_declined), message, param.</summary>
internal sealed record CardDecline(string Code, string? DeclineCode, string Message, string? Param = null)
{
    public static CardDecline Declined(string declineCode) => new("card_declined", declineCode, MessageFor(declineCode));

    public static CardDecline FromCodes(string? code, string? declineCode) =>
        (code ?? "card_declined") switch
        {
            "card_declined" => Declined(declineCode ?? "generic_decline"),
            "expired_card" => ExpiredCard,
            "incorrect_cvc" => IncorrectCvc,
            "processing_error" => ProcessingError,
            var other => new(other, declineCode, "Your card was declined."),
        };

    public static CardDecline ExpiredCard { get; } = new("expired_card", null, "Your card has expired.", "exp_month");

    public static CardDecline IncorrectCvc { get; } = new("incorrect_cvc", null, "Your card's security code is incorrect.", "cvc");

    public static CardDecline ProcessingError { get; } =
        new("processing_error", null, "An error occurred while processing your card. Try again in a little bit.");

    private static string MessageFor(string declineCode) => declineCode switch
    {
        "insufficient_funds" => "Your card has insufficient funds.",
        "card_velocity_exceeded" => "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
        _ => "Your card was declined.",
    };
}

/// <summary>When a card asks for 3-D Secure.</summary>
internal enum Authentication
{
    Never,

    /// <summary>pm_card_authenticationRequired: every setup and every payment, on or off session.</summary>
    Always,

    /// <summary>pm_card_authenticationRequiredOnSetup: at setup and on session; off-session payments after setup don't.</summary>
    UnlessSetUp,

    /// <summary>pm_card_authenticationRequiredSetupForOffSession: on session (setup included); off-session payments never.</summary>
    OnSessionOnly,
}

/// <summary>A Stripe test card and the outcomes Stripe documents for it.</summary>
internal sealed record TestCard(string Number, string Brand, string Funding)
{
    public string Last4 => Number[^4..];

    /// <summary>Stripe's fingerprint identifies the card number; ours is a hash of it, so it is stable.</summary>
    public string Fingerprint { get; } = Fingerprints.For(Number);

    /// <summary>Fails card verification: attaching it, or confirming a SetupIntent with it, declines.</summary>
    public CardDecline? AttachDecline { get; init; }

    /// <summary>Declines every charge (a later phase uses it).</summary>
    public CardDecline? ChargeDecline { get; init; }

    public Authentication Authentication { get; init; }

    public bool RefundFails { get; init; }

    public string? CvcCheck { get; init; } = "pass";

    public string? AddressLine1Check { get; init; }

    public string? AddressPostalCodeCheck { get; init; }

    public string DisplayBrand => Brand == "amex" ? "american_express" : Brand;
}

internal static class Fingerprints
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string For(string cardNumber)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("stripe-emulator-fingerprint:" + cardNumber));
        return string.Create(16, hash, static (span, h) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[h[i] % Alphabet.Length];
            }
        });
    }
}

/// <summary>
/// The magic <c>pm_card_*</c> ids, from Stripe's testing docs (docs.stripe.com/testing). Using one
/// anywhere a PaymentMethod id is accepted creates a new PaymentMethod with a fresh id.
/// </summary>
internal static class TestCards
{
    private static readonly CardDecline Generic = CardDecline.Declined("generic_decline");

    private static TestCard Visa(string number, CardDecline? decline = null) =>
        new(number, "visa", "credit") { AttachDecline = decline, ChargeDecline = decline };

    private static readonly Dictionary<string, TestCard> Cards = new(StringComparer.Ordinal)
    {
        ["pm_card_visa"] = Visa("4242424242424242"),
        ["pm_card_visa_debit"] = new("4000056655665556", "visa", "debit"),
        ["pm_card_mastercard"] = new("5555555555554444", "mastercard", "credit"),
        ["pm_card_mastercard_debit"] = new("5200828282828210", "mastercard", "debit"),
        ["pm_card_mastercard_prepaid"] = new("5105105105105100", "mastercard", "prepaid"),
        // The docs list two Amex numbers (…0005 and …8431); Stripe's pm_card_amex reports 8431.
        ["pm_card_amex"] = new("371449635398431", "amex", "credit"),
        ["pm_card_discover"] = new("6011111111111117", "discover", "credit"),

        ["pm_card_visa_chargeDeclined"] = Visa("4000000000000002", Generic),
        ["pm_card_visa_chargeDeclinedInsufficientFunds"] = Visa("4000000000009995", CardDecline.Declined("insufficient_funds")),
        ["pm_card_visa_chargeDeclinedLostCard"] = Visa("4000000000009987", CardDecline.Declined("lost_card")),
        ["pm_card_visa_chargeDeclinedStolenCard"] = Visa("4000000000009979", CardDecline.Declined("stolen_card")),
        // Not in Stripe's PaymentMethod table (only tok_visa_chargeDeclinedFraudulent is); kept as our
        // name for a card_declined/fraudulent decline, on Radar's "always blocked" number.
        ["pm_card_visa_chargeDeclinedFraudulent"] = Visa("4100000000000019", CardDecline.Declined("fraudulent")),
        ["pm_card_visa_chargeDeclinedVelocityLimitExceeded"] = Visa("4000000000006975", CardDecline.Declined("card_velocity_exceeded")),
        ["pm_card_chargeDeclinedExpiredCard"] = Visa("4000000000000069", CardDecline.ExpiredCard),
        ["pm_card_chargeDeclinedIncorrectCvc"] = Visa("4000000000000127", CardDecline.IncorrectCvc),
        ["pm_card_chargeDeclinedProcessingError"] = Visa("4000000000000119", CardDecline.ProcessingError),

        // Attaches fine; every charge declines.
        ["pm_card_chargeCustomerFail"] = new("4000000000000341", "visa", "credit") { ChargeDecline = Generic },

        ["pm_card_authenticationRequired"] = new("4000002760003184", "visa", "credit") { Authentication = Authentication.Always },
        ["pm_card_authenticationRequiredOnSetup"] = new("4000002500003155", "visa", "credit") { Authentication = Authentication.UnlessSetUp },
        ["pm_card_authenticationRequiredSetupForOffSession"] = new("4000003800000446", "visa", "credit") { Authentication = Authentication.OnSessionOnly },

        ["pm_card_refundFail"] = new("4000000000005126", "visa", "credit") { RefundFails = true },

        // Checks only: Stripe runs them only when a CVC / postal code is given; a magic id gives
        // neither, so we report the failure regardless, which is what a test wants to see.
        ["pm_card_cvcCheckFail"] = new("4000000000000101", "visa", "credit") { CvcCheck = "fail" },
        ["pm_card_avsZipFail"] = new("4000000000000036", "visa", "credit") { AddressLine1Check = "pass", AddressPostalCodeCheck = "fail" },
    };

    public static bool TryGet(string id, out TestCard card) => Cards.TryGetValue(id, out card!);

    /// <summary>A test card by its number (what a person types into a card field), for PaymentMethods made from card details.</summary>
    public static bool TryGetByNumber(string number, out TestCard card)
    {
        card = Cards.Values.FirstOrDefault(c => c.Number == number)!;
        return card is not null;
    }

    public static IEnumerable<string> MagicIds => Cards.Keys;
}
