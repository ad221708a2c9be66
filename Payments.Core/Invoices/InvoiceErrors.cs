using Payments.Core.Cards;
using Payments.Core.Http;
using Payments.Core.Stripe;

namespace Payments.Core.Invoices;

/// <summary>The stable codes of invoice answers (listed in the error table, docs/errors.md).</summary>
public static class InvoiceErrors
{
    public static ApiError NotFound() => ApiErrors.NotFound("invoice");
    public static ApiError ShareNotFound() => new(404, "not_found", "That member has no share to pay on this invoice.", "memberId");
    public static ApiError EmptyCart() => new(400, "empty_cart", "Nobody has added items to this invoice yet.", "items");
    public static ApiError OrganiserOnly() => new(403, "organiser_only", "Only the invoice's organiser may do this.");
    public static ApiError NotOpen() => new(409, "invoice_not_open", "The invoice was checked out: its items, members and payment mode are locked.");
    public static ApiError Closed(InvoiceStatus status) => new(409, "invoice_closed", $"The invoice is {status.ToWire()}; nothing more can be paid or changed.");
    public static ApiError Full(int max) => new(409, "invoice_full", $"An invoice has at most {max} members.");
    public static ApiError InvalidState(string title) => new(409, "invalid_state", title);
    /// <summary>Retryable: ending waits for a funding run that is capturing at this moment, then tells the caller to try again.</summary>
    public static ApiError FundingInProgress() =>
        new(409, "funding_in_progress", "The invoice's payments are being captured at this moment; try again in a few seconds.");
    /// <summary>A share Stripe could never charge (below <see cref="StripeMinimums"/>): another mode, or fewer members, can fix it.</summary>
    public static ApiError ShareBelowMinimum(Money smallest) =>
        new(422, "share_below_minimum", $"A share would be below the smallest amount the payment provider charges in {smallest.Currency}; choose another payment mode.", "mode")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["smallestShare"] = smallest.Amount, ["minimum"] = StripeMinimums.For(smallest.Currency), ["currency"] = smallest.Currency,
            },
        };
    public static ApiError AlreadyCovered() => new(409, "share_already_covered", "This share is already paid or being paid.", "memberId");

    public static ApiError Declined(string? code, string? declineCode, NextAction next, string invoiceId, string paymentId, string message) =>
        new(402, code ?? "card_declined", message, "paymentMethodId")
        {
            Extensions = new Dictionary<string, object?>
            {
                ["declineCode"] = declineCode,
                ["nextAction"] = DeclineAdvice.ToWire(next),
                ["invoiceId"] = invoiceId,
                ["paymentId"] = paymentId,
            },
        };
}
