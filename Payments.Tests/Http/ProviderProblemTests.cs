using Payments.Core.Http;
using Payments.Core.Stripe;
using Xunit;

namespace Payments.Tests.Http;

/// <summary>What a Stripe failure no use case handled tells the client: only transient failures say "try again".</summary>
public sealed class ProviderProblemTests
{
    [Theory]
    [InlineData(PaymentProviderFailure.Card, "card_declined", 402, "card_declined", false)]
    [InlineData(PaymentProviderFailure.InvalidRequest, "amount_too_small", 422, "amount_too_small", false)]
    [InlineData(PaymentProviderFailure.InvalidRequest, "amount_too_large", 422, "amount_too_large", false)]
    [InlineData(PaymentProviderFailure.InvalidRequest, "charge_already_refunded", 422, "refund_exceeds_captured", false)]
    [InlineData(PaymentProviderFailure.InvalidRequest, "payment_intent_unexpected_state", 409, "invalid_state", false)]
    [InlineData(PaymentProviderFailure.InvalidRequest, "charge_not_refundable", 409, "invalid_state", false)]
    [InlineData(PaymentProviderFailure.InvalidRequest, "parameter_unknown", 422, "payment_provider_rejected", false)]
    [InlineData(PaymentProviderFailure.InvalidRequest, null, 422, "payment_provider_rejected", false)]
    [InlineData(PaymentProviderFailure.NotFound, "resource_missing", 422, "payment_provider_object_missing", false)]
    [InlineData(PaymentProviderFailure.Idempotency, null, 422, "payment_provider_idempotency_conflict", false)]
    [InlineData(PaymentProviderFailure.Idempotency, "idempotency_key_in_use", 409, "request_in_progress", true)]
    [InlineData(PaymentProviderFailure.Authentication, null, 502, "payment_provider_misconfigured", false)]
    [InlineData(PaymentProviderFailure.RateLimited, "rate_limit", 503, "busy", true)]
    [InlineData(PaymentProviderFailure.RateLimited, "lock_timeout", 503, "busy", true)]
    [InlineData(PaymentProviderFailure.Unavailable, null, 502, "payment_provider_unavailable", true)]
    public void A_stripe_failure_maps_by_meaning(PaymentProviderFailure failure, string? code, int status, string ourCode, bool tryAgain)
    {
        var problem = ProblemMapper.FromProvider(new PaymentProviderException(failure, code, null, "amount", "Stripe's message"));

        Assert.Equal((status, ourCode, tryAgain), (problem.Status, problem.Code, problem.RetryAfterSeconds is not null));
    }

    [Fact]
    public void A_refused_parameter_is_named_as_the_field()
    {
        var problem = ProblemMapper.FromProvider(new PaymentProviderException(PaymentProviderFailure.InvalidRequest, "parameter_invalid_integer", null, "amount_to_capture", "Invalid integer"));

        Assert.Equal(("amount_to_capture", "parameter_invalid_integer"), (problem.Field, problem.Extensions["providerCode"]));
    }
}
