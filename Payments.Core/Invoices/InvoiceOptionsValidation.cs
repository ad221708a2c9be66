using Microsoft.Extensions.Options;
using Payments.Core.Paypal;

namespace Payments.Core.Invoices;

/// <summary>
/// Checked when the app starts (ValidateOnStart), naming the setting. With PayPal configured a share may be paid
/// through PayPal, and its authorization is honoured for 3 days, then 3 more after the one reauthorization PayPal
/// allows (<see cref="Invoice.PaypalReauthorizeAfter"/>): a deadline past <see cref="PaypalMaxDeadline"/> would let
/// funding capture a PayPal share outside any honour period, where PayPal may refuse it for lack of funds.
/// </summary>
public sealed class InvoiceOptionsValidation(IOptions<PaypalOptions> paypal) : IValidateOptions<InvoiceOptions>
{
    /// <summary>Two honour periods: the authorization's own and its reauthorization's.</summary>
    public static readonly TimeSpan PaypalMaxDeadline = 2 * Invoice.PaypalHonorPeriod;

    private static string Setting(string name) => $"{InvoiceOptions.Section}:{name} (app setting {InvoiceOptions.Section}__{name})";

    public ValidateOptionsResult Validate(string? name, InvoiceOptions options)
    {
        if (options.Deadline <= TimeSpan.Zero)
            return ValidateOptionsResult.Fail($"{Setting(nameof(options.Deadline))} must be positive.");
        if (paypal.Value.IsConfigured && options.Deadline > PaypalMaxDeadline)
        {
            return ValidateOptionsResult.Fail(
                $"{Setting(nameof(options.Deadline))} is {options.Deadline:c} but must be at most {PaypalMaxDeadline.TotalDays:0} days while PayPal is configured " +
                "(Paypal:BaseUrl set): a PayPal share's authorization is honoured 3 days, and 3 more after its one reauthorization.");
        }
        return ValidateOptionsResult.Success;
    }
}
