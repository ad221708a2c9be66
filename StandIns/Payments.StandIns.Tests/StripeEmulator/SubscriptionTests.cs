using System.Net;
using Stripe;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class SubscriptionTests : EmulatorTest
{
    /// <summary>A subscription made the way Stripe makes them: by completing a Checkout Session.</summary>
    private async Task<Subscription> SubscribeAsync(string email = "buyer@example.com")
    {
        var session = await Stripe.V1.Checkout.Sessions.CreateAsync(CheckoutOptions(email: email));
        await CompleteCheckoutAsync(session.Id);
        return await Stripe.V1.Subscriptions.GetAsync((await Stripe.V1.Checkout.Sessions.GetAsync(session.Id)).SubscriptionId);
    }

    [Fact]
    public async Task CancelingEndsItNowEmitsDeletedAndKeepsItRetrievable()
    {
        var subscription = await SubscribeAsync();

        var canceled = await Stripe.V1.Subscriptions.CancelAsync(subscription.Id, new SubscriptionCancelOptions
        {
            CancellationDetails = new SubscriptionCancellationDetailsOptions { Comment = "too pricey", Feedback = "too_expensive" },
        });

        Assert.Equal("canceled", canceled.Status);
        Assert.InRange(canceled.CanceledAt!.Value, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(canceled.CanceledAt, canceled.EndedAt);
        Assert.Equal(("cancellation_requested", "too pricey", "too_expensive"),
            (canceled.CancellationDetails.Reason, canceled.CancellationDetails.Comment, canceled.CancellationDetails.Feedback));
        Assert.Equal("customer.subscription.deleted", (await EventTypesAsync())[^1]);
        var deleted = (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "customer.subscription.deleted" })).Data.Single();
        Assert.Equal(("canceled", subscription.Id), (((Subscription)deleted.Data.Object).Status, ((Subscription)deleted.Data.Object).Id));
        Assert.Equal(canceled.StripeResponse.RequestId, deleted.Request.Id);

        Assert.Equal("canceled", (await Stripe.V1.Subscriptions.GetAsync(subscription.Id)).Status);
        // As on Stripe: canceling again is "no such subscription".
        var again = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error", () => Stripe.V1.Subscriptions.CancelAsync(subscription.Id));
        Assert.Equal("resource_missing", again.StripeError.Code);
    }

    [Fact]
    public async Task UnknownSubscriptionsAndInvoicesAreResourceMissing()
    {
        var missing = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error", () => Stripe.V1.Subscriptions.GetAsync("sub_nope"));
        Assert.Equal("resource_missing", missing.StripeError.Code);
        await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error", () => Stripe.V1.Invoices.GetAsync("in_nope"));
    }
}
