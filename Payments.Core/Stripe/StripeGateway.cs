using System.Net;
using global::Stripe;

namespace Payments.Core.Stripe;

/// <summary>
/// The Stripe.net adapter: one <see cref="StripeClient"/> over an HttpClient from IHttpClientFactory.
/// <paramref name="idempotencyPrefix"/> goes in front of every idempotency key (see <see cref="StripeOptions.IdempotencyPrefix"/>).
/// </summary>
public sealed class StripeGateway(StripeClient client, string idempotencyPrefix = "") : IStripeGateway
{
    /// <summary>Metadata naming our refund request on a Refund, so a refund whose answer was lost can be found.</summary>
    public const string RefundKeyMetadata = "refund_key";

    public Task<string> CreateCustomerAsync(string userId, string? email, string idempotencyKey, CancellationToken ct) =>
        Call(async () =>
        {
            var customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions
            {
                Email = email,
                Metadata = new Dictionary<string, string> { ["user_id"] = userId },
            }, Keyed(idempotencyKey), ct);
            return customer.Id;
        });

    public async Task<bool> CustomerExistsAsync(string customerId, CancellationToken ct)
    {
        try
        {
            // Stripe answers a deleted customer with 200 and deleted: true, an unknown one with resource_missing.
            var customer = await Call(() => client.V1.Customers.GetAsync(customerId, cancellationToken: ct));
            return customer.Deleted != true;
        }
        catch (PaymentProviderException ex) when (ex.Failure == PaymentProviderFailure.NotFound)
        {
            return false;
        }
    }

    public async Task<StripePaymentMethod?> FindPaymentMethodAsync(string paymentMethodId, CancellationToken ct)
    {
        try
        {
            return await Call(async () => Map(await client.V1.PaymentMethods.GetAsync(paymentMethodId, cancellationToken: ct)));
        }
        catch (PaymentProviderException ex) when (ex.Failure == PaymentProviderFailure.NotFound)
        {
            return null;
        }
    }

    public Task<string?> FindCustomerAsync(string userId, string? email, CancellationToken ct) =>
        Call(async () =>
        {
            var options = new CustomerListOptions { Email = email, Limit = 100 };
            var page = await client.V1.Customers.ListAsync(options, cancellationToken: ct);
            return page.Data.FirstOrDefault(c => c.Metadata?.GetValueOrDefault("user_id") == userId)?.Id;
        });

    public Task<StripePaymentMethod> AttachPaymentMethodAsync(string paymentMethodId, string customerId, string idempotencyKey, CancellationToken ct) =>
        Call(async () => Map(await client.V1.PaymentMethods.AttachAsync(
            paymentMethodId, new PaymentMethodAttachOptions { Customer = customerId }, Keyed(idempotencyKey), ct)));

    public async Task DetachPaymentMethodAsync(string paymentMethodId, string idempotencyKey, CancellationToken ct)
    {
        try
        {
            await Call(() => client.V1.PaymentMethods.DetachAsync(paymentMethodId, null, Keyed(idempotencyKey), ct));
        }
        catch (PaymentProviderException ex) when (ex.Failure is PaymentProviderFailure.NotFound
            || (ex.Failure == PaymentProviderFailure.InvalidRequest && ex.Message.Contains("not attached", StringComparison.OrdinalIgnoreCase)))
        {
            // Already gone from the customer: the outcome we wanted.
        }
    }

    public Task<StripeSetupIntent> CreateSetupIntentAsync(string customerId, string userId, string idempotencyKey, CancellationToken ct) =>
        Call(async () =>
        {
            var intent = await client.V1.SetupIntents.CreateAsync(new SetupIntentCreateOptions
            {
                Customer = customerId,
                Usage = "off_session",
                AutomaticPaymentMethods = new SetupIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
                Metadata = new Dictionary<string, string> { ["user_id"] = userId },
            }, Keyed(idempotencyKey), ct);
            return new StripeSetupIntent(intent.Id, intent.ClientSecret, intent.Status);
        });

    private static readonly List<string> ExpandCharge = ["latest_charge"];

    public Task<PaymentIntentSnapshot> CreatePaymentIntentAsync(PaymentIntentRequest request, string idempotencyKey, CancellationToken ct) =>
        Call(async () => Map(await client.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = request.Amount,
            Currency = request.Currency,
            Customer = request.CustomerId,
            PaymentMethod = request.PaymentMethodId,
            Confirm = request.Confirm,
            CaptureMethod = request.ManualCapture ? "manual" : "automatic",
            AutomaticPaymentMethods = new PaymentIntentAutomaticPaymentMethodsOptions { Enabled = true, AllowRedirects = "never" },
            ReceiptEmail = request.ReceiptEmail,
            Metadata = new Dictionary<string, string>(request.Metadata),
            Expand = ExpandCharge,
        }, Keyed(idempotencyKey), ct)));

    public Task<PaymentIntentSnapshot?> FindPaymentIntentAsync(string customerId, string metadataKey, string ourId, CancellationToken ct) =>
        Call(async () =>
        {
            var page = await client.V1.PaymentIntents.ListAsync(
                new PaymentIntentListOptions { Customer = customerId, Limit = 100, Expand = ["data.latest_charge"] }, cancellationToken: ct);
            return page.Data.FirstOrDefault(pi => pi.Metadata?.GetValueOrDefault(metadataKey) == ourId) is { } found ? Map(found) : null;
        });

    public Task<PaymentIntentSnapshot> GetPaymentIntentAsync(string paymentIntentId, CancellationToken ct) =>
        Call(async () => Map(await client.V1.PaymentIntents.GetAsync(paymentIntentId, new PaymentIntentGetOptions { Expand = ExpandCharge }, cancellationToken: ct)));

    public Task<PaymentIntentSnapshot> CapturePaymentIntentAsync(string paymentIntentId, long? amount, string idempotencyKey, CancellationToken ct) =>
        Call(async () => Map(await client.V1.PaymentIntents.CaptureAsync(paymentIntentId,
            new PaymentIntentCaptureOptions { AmountToCapture = amount, Expand = ExpandCharge }, Keyed(idempotencyKey), ct)));

    public Task<PaymentIntentSnapshot> CancelPaymentIntentAsync(string paymentIntentId, string idempotencyKey, CancellationToken ct) =>
        Call(async () => Map(await client.V1.PaymentIntents.CancelAsync(paymentIntentId,
            new PaymentIntentCancelOptions { Expand = ExpandCharge }, Keyed(idempotencyKey), ct)));

    public Task<RefundSnapshot> CreateRefundAsync(string paymentIntentId, long amount, string? reason, string refundKey, string idempotencyKey, CancellationToken ct) =>
        Call(async () =>
        {
            var refund = await client.V1.Refunds.CreateAsync(new RefundCreateOptions
            {
                PaymentIntent = paymentIntentId,
                Amount = amount,
                Reason = reason,
                Metadata = new Dictionary<string, string> { [RefundKeyMetadata] = refundKey },
            }, Keyed(idempotencyKey), ct);
            return Map(refund);
        });

    public Task<RefundSnapshot?> FindRefundAsync(string paymentIntentId, string refundKey, CancellationToken ct) =>
        Call(async () =>
        {
            var page = await client.V1.Refunds.ListAsync(new RefundListOptions { PaymentIntent = paymentIntentId, Limit = 100 }, cancellationToken: ct);
            return page.Data.FirstOrDefault(r => r.Metadata?.GetValueOrDefault(RefundKeyMetadata) == refundKey) is { } found
                ? Map(found)
                : null;
        });

    public Task<IReadOnlyList<RefundSnapshot>> ListRefundsAsync(string paymentIntentId, CancellationToken ct) =>
        Call(async () =>
        {
            var all = new List<RefundSnapshot>();
            var options = new RefundListOptions { PaymentIntent = paymentIntentId, Limit = 100 };
            while (true)
            {
                var page = await client.V1.Refunds.ListAsync(options, cancellationToken: ct);
                all.AddRange(page.Data.Select(Map));
                if (!page.HasMore || page.Data.Count == 0)
                    return (IReadOnlyList<RefundSnapshot>)all;
                options.StartingAfter = page.Data[^1].Id;
            }
        });

    private static RefundSnapshot Map(Refund refund) => new(refund.Id, refund.Status, refund.Amount)
    {
        PaymentIntentId = refund.PaymentIntentId,
        RefundKey = refund.Metadata?.GetValueOrDefault(RefundKeyMetadata),
        Reason = refund.Reason,
        FailureReason = refund.FailureReason,
        Created = refund.Created,
    };

    public Task<CheckoutSessionSnapshot> CreateCheckoutSessionAsync(CheckoutSessionRequest request, string idempotencyKey, CancellationToken ct) =>
        Call(async () =>
        {
            var metadata = new Dictionary<string, string>(request.Metadata);
            var options = new global::Stripe.Checkout.SessionCreateOptions
            {
                Mode = request.SubscriptionMode ? "subscription" : "payment",
                CustomerEmail = request.CustomerEmail,
                SuccessUrl = request.SuccessUrl,
                CancelUrl = request.CancelUrl,
                ExpiresAt = request.ExpiresAt?.UtcDateTime,
                ClientReferenceId = request.Metadata.GetValueOrDefault("sale_id"),
                Metadata = metadata,
                LineItems = request.Lines.Select(line => new global::Stripe.Checkout.SessionLineItemOptions
                {
                    Quantity = line.Quantity,
                    PriceData = new global::Stripe.Checkout.SessionLineItemPriceDataOptions
                    {
                        Currency = request.Currency,
                        UnitAmount = line.UnitAmount,
                        ProductData = new global::Stripe.Checkout.SessionLineItemPriceDataProductDataOptions { Name = line.Name },
                        Recurring = line.RecurringInterval is null ? null
                            : new global::Stripe.Checkout.SessionLineItemPriceDataRecurringOptions { Interval = line.RecurringInterval },
                    },
                }).ToList(),
            };
            if (request.SubscriptionMode)
                options.SubscriptionData = new global::Stripe.Checkout.SessionSubscriptionDataOptions { Metadata = metadata };
            else
                options.InvoiceCreation = new global::Stripe.Checkout.SessionInvoiceCreationOptions
                {
                    Enabled = true,
                    InvoiceData = new global::Stripe.Checkout.SessionInvoiceCreationInvoiceDataOptions { Metadata = metadata },
                };
            return Map(await client.V1.Checkout.Sessions.CreateAsync(options, Keyed(idempotencyKey), ct));
        });

    public Task<CheckoutSessionSnapshot> GetCheckoutSessionAsync(string sessionId, CancellationToken ct) =>
        Call(async () => Map(await client.V1.Checkout.Sessions.GetAsync(sessionId, cancellationToken: ct)));

    public Task<SubscriptionSnapshot> GetSubscriptionAsync(string subscriptionId, CancellationToken ct) =>
        Call(async () =>
        {
            var sub = await client.V1.Subscriptions.GetAsync(subscriptionId, cancellationToken: ct);
            // Since 2025-03-31.basil the billing period lives on the items.
            DateTimeOffset? periodEnd = sub.Items?.Data?.Count > 0
                ? new DateTimeOffset(DateTime.SpecifyKind(sub.Items.Data.Max(i => i.CurrentPeriodEnd), DateTimeKind.Utc))
                : null;
            DateTimeOffset? canceledAt = sub.CanceledAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
            return new SubscriptionSnapshot(sub.Id, sub.Status, sub.CustomerId, periodEnd, sub.CancelAtPeriodEnd, canceledAt,
                sub.Metadata ?? new Dictionary<string, string>());
        });

    public Task<InvoiceSnapshot> GetInvoiceAsync(string invoiceId, CancellationToken ct) =>
        Call(async () =>
        {
            var invoice = await client.V1.Invoices.GetAsync(invoiceId, cancellationToken: ct);
            var details = invoice.Parent?.SubscriptionDetails;
            var saleId = invoice.Metadata?.GetValueOrDefault("sale_id") ?? details?.Metadata?.GetValueOrDefault("sale_id");
            return new InvoiceSnapshot(invoice.Id, invoice.Status, invoice.CustomerId, details?.SubscriptionId,
                invoice.AmountPaid, invoice.Currency, saleId);
        });

    public Task<IReadOnlyList<(string Id, long Created, string Json)>> ListEventsSinceAsync(DateTimeOffset since, CancellationToken ct) =>
        Call(async () =>
        {
            var events = new List<(string, long, string)>();
            var options = new EventListOptions { Limit = 100, Created = new DateRangeOptions { GreaterThanOrEqual = since.UtcDateTime } };
            await foreach (var e in client.V1.Events.ListAutoPagingAsync(options, cancellationToken: ct))
                events.Add((e.Id, new DateTimeOffset(DateTime.SpecifyKind(e.Created, DateTimeKind.Utc)).ToUnixTimeSeconds(), e.RawJsonElement?.GetRawText() ?? throw new InvalidOperationException($"Event {e.Id} came without its JSON.")));
            events.Reverse();
            return (IReadOnlyList<(string, long, string)>)events;
        });

    private static CheckoutSessionSnapshot Map(global::Stripe.Checkout.Session s) =>
        new(s.Id, s.Url, s.Status, s.PaymentStatus, s.CustomerId, s.SubscriptionId, s.Metadata ?? new Dictionary<string, string>());

    /// <summary>
    /// Amounts exactly as Stripe reports them at our pinned version: a partial capture or a
    /// cancellation creates no Refund there, so the charge's amount_refunded is only what was refunded.
    /// </summary>
    private static PaymentIntentSnapshot Map(PaymentIntent pi)
    {
        var charge = pi.LatestCharge is { Status: "succeeded" } authorized ? authorized : null;
        return new(
            pi.Id, pi.Status, pi.Currency, pi.Amount,
            charge?.Amount ?? pi.AmountCapturable,
            pi.AmountCapturable,
            Math.Max(pi.AmountReceived, charge?.AmountCaptured ?? 0),
            charge?.AmountRefunded ?? 0,
            pi.ClientSecret, pi.LastPaymentError?.Code, pi.LastPaymentError?.DeclineCode,
            pi.Metadata ?? new Dictionary<string, string>(),
            pi.CancellationReason);
    }

    private RequestOptions Keyed(string idempotencyKey) => new() { IdempotencyKey = idempotencyPrefix + idempotencyKey };

    private static StripePaymentMethod Map(PaymentMethod pm) => new(
        pm.Id,
        pm.Type,
        pm.CustomerId,
        pm.Card is null ? null : new StripeCard(
            pm.Card.Brand, pm.Card.Last4, (int)pm.Card.ExpMonth, (int)pm.Card.ExpYear, pm.Card.Fingerprint, pm.Card.Funding,
            pm.Card.Checks?.CvcCheck, pm.Card.Checks?.AddressPostalCodeCheck, pm.Card.Checks?.AddressLine1Check));

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StripeException ex)
        {
            throw Translate(ex);
        }
        catch (HttpRequestException ex)
        {
            throw new PaymentProviderException(PaymentProviderFailure.Unavailable, null, null, null, "Stripe could not be reached.", ex);
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new PaymentProviderException(PaymentProviderFailure.Unavailable, null, null, null, "Stripe did not answer in time.", ex);
        }
    }

    internal static PaymentProviderException Translate(StripeException ex)
    {
        var error = ex.StripeError;
        var failure = (ex.HttpStatusCode, error?.Type, error?.Code) switch
        {
            (_, "card_error", _) => PaymentProviderFailure.Card,
            (_, "idempotency_error", _) => PaymentProviderFailure.Idempotency,
            ((HttpStatusCode)429, _, _) or (_, _, "lock_timeout" or "rate_limit") => PaymentProviderFailure.RateLimited,
            (HttpStatusCode.NotFound, _, _) or (_, _, "resource_missing") => PaymentProviderFailure.NotFound,
            (HttpStatusCode.Unauthorized, _, _) or (HttpStatusCode.Forbidden, _, _) => PaymentProviderFailure.Authentication,
            ({ } status, _, _) when (int)status >= 500 => PaymentProviderFailure.Unavailable,
            (_, "invalid_request_error", _) => PaymentProviderFailure.InvalidRequest,
            ({ } status, _, _) when (int)status is >= 400 and < 500 => PaymentProviderFailure.InvalidRequest,
            _ => PaymentProviderFailure.Unavailable,
        };
        var response = ex.StripeResponse;
        return new PaymentProviderException(failure, error?.Code, error?.DeclineCode, error?.Param, error?.Message ?? ex.Message, ex, error?.PaymentIntent?.Id)
        {
            ErrorType = error?.Type,
            RequestId = response?.RequestId,
            HttpStatus = response is null ? (int)ex.HttpStatusCode : (int)response.StatusCode,
            Replayed = response?.Headers is { } headers && headers.TryGetValues("Idempotent-Replayed", out var values)
                && values.Any(v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase)),
        };
    }
}
