using System.Net;
using System.Text;
using System.Text.Json;
using Payments.Core.Messaging;
using Payments.Core.Purchases;
using Payments.Tests.Infrastructure;
using Payments.Tests.Paypal;
using Xunit;
using static Payments.Tests.Purchases.PaypalTestKit;
using static Payments.Tests.Purchases.PurchaseTestKit;

namespace Payments.Tests.Webhooks;

/// <summary>
/// PayPal's webhook through each door, with the PayPal emulator signing deliveries with its own certificate chain (trusted
/// in Testing only): forged, tampered and stale deliveries are refused with nothing stored; a genuine one is stored once
/// (source paypal, by its WH- id) and completes an order whose payer never came back; duplicates and any order change nothing twice.
/// </summary>
public abstract class PaypalWebhookTests(DoorFixture fixture)
{
    private IPaymentsDoor Door => fixture.Door;
    private PaypalEmulatorServer Paypal => fixture.Paypal;

    [Fact]
    public async Task Only_a_genuine_delivery_is_stored_and_it_completes_a_JPY_order_whose_payer_never_returned()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Door.ClientFor(user);
        using var admin = Door.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        var bought = await BuyWithPaypalAsync(client, [new { productId = await YenProductAsync(Door), quantity = 1 }]);
        var (id, orderId) = (bought.Id(), bought.OrderId());
        // ¥5000 and the 10% fee: 5500, sent to PayPal in whole yen (JPY has no decimals there either).
        Assert.Equal(("JPY", 5500L), (bought.GetProperty("currency").GetString(), bought.GetProperty("total").GetInt64()));
        var amount = (await PaypalOrderAsync(Paypal, orderId)).GetProperty("purchase_units")[0].GetProperty("amount");
        Assert.Equal(("JPY", "5500"), (amount.GetProperty("currency_code").GetString(), amount.GetProperty("value").GetString()));

        // The payer approves and closes the tab; the approval's signed delivery is caught on its way, so we can play an attacker with it.
        var delivery = await CatchDeliveryAsync("CHECKOUT.ORDER.APPROVED", orderId, () => Paypal.ApproveAsync(orderId));
        var eventId = JsonDocument.Parse(delivery.Body).RootElement.GetProperty("id").GetString()!;
        var tampered = delivery.Body.Replace("\"5500\"", "\"55000\"", StringComparison.Ordinal);
        Assert.NotEqual(delivery.Body, tampered);
        var inbox = Door.Get<InboxStore>();

        var forged = new (string Refusal, byte[] Body, Func<string, string, string> Header)[]
        {
            // No signature at all.
            ("missing_header", Encoding.UTF8.GetBytes(delivery.Body), (name, value) => name == "PAYPAL-TRANSMISSION-SIG" ? "" : value),
            // The genuine signature over a changed body: a bigger amount.
            ("bad_signature", Encoding.UTF8.GetBytes(tampered), (_, value) => value),
            // Signed by PayPal, but its certificate named on someone else's host.
            ("certificate_url_not_allowed", Encoding.UTF8.GetBytes(delivery.Body),
                (name, value) => name == "PAYPAL-CERT-URL" ? "https://evil.example/v1/notifications/certs/CERT-1" : value),
            // Recorded and replayed an hour later.
            ("stale", Encoding.UTF8.GetBytes(delivery.Body),
                (name, value) => name == "PAYPAL-TRANSMISSION-TIME" ? DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) : value),
        };
        foreach (var (refusal, body, header) in forged)
        {
            var problem = await HttpAssert.ProblemAsync(await PostDeliveryAsync(delivery, body, header), 400, "invalid_webhook");
            Assert.Equal(refusal, problem.GetProperty("refusal").GetString());
        }
        Assert.Null(await inbox.FindAsync(eventId, default));
        Assert.Equal(PurchaseStatus.AwaitingPayment, (await StoredAsync(Door, user, id)).Status);

        // The delivery as PayPal sent it: stored once, and its handler completes the order for the payer who never came back.
        var stored = await HttpAssert.JsonAsync(await PostDeliveryAsync(delivery, Encoding.UTF8.GetBytes(delivery.Body), (_, value) => value), HttpStatusCode.OK);
        Assert.False(stored.GetProperty("duplicate").GetBoolean());
        var paid = await EventuallyStatusAsync(Door, user, id, PurchaseStatus.Succeeded);
        Assert.Equal((5500L, 5500L), (paid.AmountCaptured, paid.Refundable));
        var row = (await inbox.FindAsync(eventId, default))!.Value.Event;
        Assert.Equal(("paypal", "CHECKOUT.ORDER.APPROVED", orderId, QueueNames.Payments), (row.Source, row.Type, row.SubjectId, row.Queue));
        await HttpAssert.EventuallyAsync(async () => (await inbox.FindAsync(eventId, default))!.Value.Event.Status == InboxStatus.Processed, "the approval processed");
        var again = await HttpAssert.JsonAsync(await PostDeliveryAsync(delivery, Encoding.UTF8.GetBytes(delivery.Body), (_, value) => value), HttpStatusCode.OK);
        Assert.True(again.GetProperty("duplicate").GetBoolean());

        // Refunded in full (no amount: all that is left), in yen.
        var refund = await HttpAssert.JsonAsync(await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", null, Guid.NewGuid().ToString()), HttpStatusCode.Created);
        Assert.Equal((5500L, "succeeded", "refunded", 0L), (refund.GetProperty("amount").GetInt64(), refund.GetProperty("status").GetString(),
            refund.GetProperty("purchase").GetProperty("status").GetString(), refund.GetProperty("purchase").GetProperty("amountRefundable").GetInt64()));
        var atPaypal = (await PaypalOrderAsync(Paypal, orderId)).Payments();
        Assert.Equal(("REFUNDED", "5500"), (atPaypal.GetProperty("captures")[0].GetProperty("status").GetString(),
            atPaypal.GetProperty("refunds")[0].GetProperty("amount").GetProperty("value").GetString()));
    }

    [Fact]
    public async Task Duplicated_and_reordered_PayPal_events_change_nothing_twice()
    {
        var user = PaymentsFixture.NewUserId();
        using var client = Door.ClientFor(user);
        using var admin = Door.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");
        await Paypal.FlushWebhooksAsync();
        // Each event is queued three times over (the emulator copies an event when it is emitted), and held back.
        await Paypal.ConfigureWebhooksAsync(new { paused = true, duplicates = 3 });
        string id, orderId;
        try
        {
            // The whole sale happens while PayPal holds its events back: approved, captured by the payer's return, refunded in part.
            var bought = await BuyWithPaypalAsync(client, GoldenCart);
            (id, orderId) = (bought.Id(), bought.OrderId());
            await ApproveAndCompleteAsync(fixture, client, bought);
            await HttpAssert.JsonAsync(await PostKeyedAsync(admin, $"/api/purchases/{id}/refunds", new { amount = 1000 }, Guid.NewGuid().ToString()), HttpStatusCode.Created);
            // Then they arrive three times each, shuffled: the approval after the capture it led to, the refund before it.
            await Paypal.ConfigureWebhooksAsync(new { paused = false, shuffle = true });
            Assert.Equal(0, await Paypal.FlushWebhooksAsync(20_000));
        }
        finally
        {
            await Paypal.ConfigureWebhooksAsync(new { paused = false, shuffle = false, duplicates = 1 });
        }

        var captureId = (await PaypalOrderAsync(Paypal, orderId)).Payments().GetProperty("captures")[0].GetProperty("id").GetString()!;
        var events = (await Paypal.WebhookEventsAsync())
            .Where(e => e.GetProperty("body").GetString()!.Contains(orderId, StringComparison.Ordinal) || e.GetProperty("body").GetString()!.Contains(captureId, StringComparison.Ordinal))
            .Select(e => e.GetProperty("id").GetString()!).ToList();
        Assert.Equal(3, events.Count);   // CHECKOUT.ORDER.APPROVED, PAYMENT.CAPTURE.COMPLETED, PAYMENT.CAPTURE.REFUNDED
        var deliveries = (await Paypal.WebhookDeliveriesAsync()).Where(d => events.Contains(d.GetProperty("eventId").GetString()!)).ToList();
        Assert.Equal(9, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(200, d.GetProperty("status").GetInt32()));

        var inbox = Door.Get<InboxStore>();
        await HttpAssert.EventuallyAsync(async () =>
        {
            foreach (var e in events)
                if ((await inbox.FindAsync(e, default))?.Event.Status != InboxStatus.Processed)
                    return false;
            return true;
        }, "each event processed");
        var purchase = await StoredAsync(Door, user, id);
        Assert.Equal((PurchaseStatus.PartiallyRefunded, 19200L, 1000L, 18200L, 1), (purchase.Status, purchase.AmountCaptured, purchase.AmountRefunded, purchase.Refundable, purchase.Refunds.Count));
        // PayPal was asked to capture and to refund once each: the late approval found the purchase paid and asked nothing.
        var posts = (await PaypalRequestsAsync(Paypal, orderId, captureId)).Where(r => r.GetProperty("method").GetString() == "POST").ToList();
        Assert.Single(posts, r => r.GetProperty("path").GetString()!.EndsWith("/capture", StringComparison.Ordinal));
        Assert.Single(posts, r => r.GetProperty("path").GetString()!.EndsWith("/refund", StringComparison.Ordinal));
        var payments = (await PaypalOrderAsync(Paypal, orderId)).Payments();
        Assert.Equal((1, 1), (payments.GetProperty("captures").GetArrayLength(), payments.GetProperty("refunds").GetArrayLength()));
    }

    /// <summary>Points the emulator's webhook at a catcher while <paramref name="act"/> runs, and returns the delivery of that event.</summary>
    private async Task<LoopbackHttpServer.Received> CatchDeliveryAsync(string eventType, string orderId, Func<Task> act)
    {
        await using var catcher = await LoopbackHttpServer.StartAsync((_, response) =>
        {
            response.StatusCode = 200;
            return Task.CompletedTask;
        });
        await Paypal.FlushWebhooksAsync();
        await Paypal.ConfigureWebhooksAsync(new { url = new Uri(catcher.BaseUrl, "/api/paypal/webhook").ToString() });
        try
        {
            await act();
            Assert.Equal(0, await Paypal.FlushWebhooksAsync());
        }
        finally
        {
            await Paypal.ConfigureWebhooksAsync(new { url = fixture.PaypalWebhookUrl.ToString() });
        }
        return catcher.Requests.Single(r => r.Body.Contains($"\"event_type\":\"{eventType}\"", StringComparison.Ordinal) && r.Body.Contains(orderId, StringComparison.Ordinal));
    }

    /// <summary>Sends a caught delivery to the door, its body and signature headers as given.</summary>
    private async Task<HttpResponseMessage> PostDeliveryAsync(LoopbackHttpServer.Received delivery, byte[] body, Func<string, string, string> header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/paypal/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        foreach (var name in new[] { "PAYPAL-TRANSMISSION-ID", "PAYPAL-TRANSMISSION-TIME", "PAYPAL-TRANSMISSION-SIG", "PAYPAL-CERT-URL", "PAYPAL-AUTH-ALGO" })
        {
            var value = header(name, delivery.Headers[name]);
            if (value.Length > 0)
                request.Headers.TryAddWithoutValidation(name, value);
        }
        return await Door.Http.SendAsync(request);
    }
}

[Collection(StoreTestGroup.Name)]
public sealed class PaypalWebhooksThroughTheHost(StoreFixture fixture) : PaypalWebhookTests(fixture);

[Collection(FunctionsStoreTestGroup.Name)]
public sealed class PaypalWebhooksThroughFunctions(FunctionsStoreFixture fixture) : PaypalWebhookTests(fixture);
