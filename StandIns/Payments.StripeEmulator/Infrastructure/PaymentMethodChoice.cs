namespace Payments.StripeEmulator;

/// <summary>How an intent (payment or setup) is told which payment methods it may use, checked the same way for both.</summary>
internal sealed record PaymentMethodChoice(IReadOnlyList<string> AllowedTypes, FormNode? Automatic)
{
    public static PaymentMethodChoice Read(StripeParams p)
    {
        if (p.Has("payment_method_types"))
        {
            // Removed as a writable parameter in 2026-09-30.endive, for PaymentIntents and SetupIntents alike.
            throw StripeErrors.InvalidRequest(
                "The `payment_method_types` parameter is no longer supported on this API version. Use " +
                "`allowed_payment_method_types`, `excluded_payment_method_types` or dynamic payment methods instead.",
                "payment_method_types", "payment_method_types_no_longer_supported");
        }

        var automatic = p.GetObject("automatic_payment_methods");
        if (p.Has("allowed_payment_method_types") && automatic is not null)
        {
            throw StripeErrors.InvalidRequest(
                "You may only specify one of these parameters: allowed_payment_method_types, automatic_payment_methods.",
                "allowed_payment_method_types", "parameters_exclusive");
        }
        return new PaymentMethodChoice(p.GetStringList("allowed_payment_method_types"), automatic);
    }
}
