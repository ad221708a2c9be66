using System.Net;
using Stripe;
using Xunit;

namespace Payments.Tests.Emulator;

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
    public async Task CancelAtPeriodEndAndMetadataUpdatesEmitUpdatedWithPreviousAttributes()
    {
        var subscription = await SubscribeAsync();
        var periodEnd = subscription.Items.Data[0].CurrentPeriodEnd;

        var updated = await Stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions
        {
            CancelAtPeriodEnd = true,
            Metadata = new() { ["note"] = "leaving" },
        });

        Assert.Equal(("active", true, periodEnd), (updated.Status, updated.CancelAtPeriodEnd, updated.CancelAt));
        Assert.Equal("cancellation_requested", updated.CancellationDetails.Reason);
        Assert.Equal(new Dictionary<string, string> { ["sale_id"] = "sale_1", ["note"] = "leaving" }, updated.Metadata);

        var evt = (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "customer.subscription.updated", Limit = 1 })).Data.Single();
        Assert.True(((Subscription)evt.Data.Object).CancelAtPeriodEnd);
        var previous = (await GetJsonAsync($"/v1/events/{evt.Id}")).GetProperty("data").GetProperty("previous_attributes");
        Assert.False(previous.GetProperty("cancel_at_period_end").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, previous.GetProperty("cancel_at").ValueKind);
        // Nested objects show only what changed: an added key was null.
        Assert.Equal(["note"], previous.GetProperty("metadata").EnumerateObject().Select(p => p.Name));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, previous.GetProperty("metadata").GetProperty("note").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, previous.GetProperty("cancellation_details").GetProperty("reason").ValueKind);
        Assert.False(previous.TryGetProperty("status", out _));

        // Undoing it restores the subscription; an update that changes nothing emits nothing.
        var resumed = await Stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = false });
        Assert.False(resumed.CancelAtPeriodEnd);
        Assert.Null(resumed.CancelAt);
        Assert.Null(resumed.CancellationDetails.Reason);
        var count = (await EventTypesAsync()).Count;
        await Stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = false });
        Assert.Equal(count, (await EventTypesAsync()).Count);

        var unsupported = await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions { ProrationBehavior = "none" }));
        Assert.Equal("proration_behavior", unsupported.StripeError.Param);
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
        // As on Stripe: canceling again is "no such subscription", and only metadata may change now.
        var again = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error", () => Stripe.V1.Subscriptions.CancelAsync(subscription.Id));
        Assert.Equal("resource_missing", again.StripeError.Code);
        await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions { CancelAtPeriodEnd = true }));
        var tagged = await Stripe.V1.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionUpdateOptions { Metadata = new() { ["archived"] = "yes" } });
        Assert.Equal("yes", tagged.Metadata["archived"]);
    }

    [Fact]
    public async Task ListFiltersByCustomerStatusAndPrice()
    {
        var first = await SubscribeAsync("one@example.com");
        var second = await SubscribeAsync("two@example.com");
        await Stripe.V1.Subscriptions.CancelAsync(first.Id);

        // By default, canceled subscriptions are left out.
        Assert.Equal([second.Id], (await Stripe.V1.Subscriptions.ListAsync()).Data.Select(s => s.Id));
        Assert.Equal([second.Id, first.Id], (await Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Status = "all" })).Data.Select(s => s.Id));
        Assert.Equal([first.Id], (await Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Status = "canceled" })).Data.Select(s => s.Id));
        Assert.Equal([second.Id], (await Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Status = "active" })).Data.Select(s => s.Id));
        Assert.Empty((await Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = first.CustomerId })).Data);
        Assert.Equal([first.Id], (await Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Customer = first.CustomerId, Status = "all" })).Data.Select(s => s.Id));
        Assert.Equal([second.Id], (await Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Price = second.Items.Data[0].Price.Id })).Data.Select(s => s.Id));
        var page = await Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Status = "all", Limit = 1 });
        Assert.True(page.HasMore);

        await ThrowsStripeAsync(HttpStatusCode.BadRequest, "invalid_request_error",
            () => Stripe.V1.Subscriptions.ListAsync(new SubscriptionListOptions { Status = "sleeping" }));
        var missing = await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error", () => Stripe.V1.Subscriptions.GetAsync("sub_nope"));
        Assert.Equal("resource_missing", missing.StripeError.Code);
        await ThrowsStripeAsync(HttpStatusCode.NotFound, "invalid_request_error", () => Stripe.V1.Invoices.GetAsync("in_nope"));
    }

    [Fact]
    public async Task CustomersCreatedThroughTheApiEmitCreatedAndUpdated()
    {
        var customer = await Stripe.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "a@example.com" });
        await Stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions { Name = "Ada" });
        await Stripe.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions { Name = "Ada" });

        Assert.Equal(["customer.created", "customer.updated"], await EventTypesAsync());
        var updated = (await Stripe.V1.Events.ListAsync(new EventListOptions { Type = "customer.updated" })).Data.Single();
        var previous = (await GetJsonAsync($"/v1/events/{updated.Id}")).GetProperty("data").GetProperty("previous_attributes");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, previous.GetProperty("name").ValueKind);
        Assert.Equal(customer.Id, Assert.Single((await Stripe.V1.Customers.ListAsync(new CustomerListOptions { Email = "a@example.com" })).Data).Id);
    }
}
