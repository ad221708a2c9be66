using System.Net.Http.Json;
using System.Net;
using System.Text;
using Azure.Data.Tables;
using Payments.Core.Http;
using Payments.Core.Invoices;
using Payments.Core.Purchases;
using Payments.Core.Messaging;
using Payments.Core.Reconciliation;
using Payments.Core.Storage;
using Payments.Core.Webhooks;
using Payments.FunctionsHostStandIn;
using Payments.Tests.Infrastructure;
using Stripe;
using Xunit;
using Xunit.Abstractions;
using static Payments.Tests.Purchases.PurchaseTestKit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Functions;

/// <summary>
/// Payments.Functions as built, under the real isolated worker and the stand-in host: every
/// function loads, its metadata is the Host's route table and schedules, and each timer does its
/// Core work.
/// </summary>
[Collection(FunctionsTestGroup.Name)]
public sealed class FunctionsDoorTests(FunctionsFixture fixture, ITestOutputHelper output)
{
    private FunctionsHost StandIn => fixture.Functions.StandIn;
    private IPaymentsDoor Door => fixture.Door;

    /// <summary>Each Functions timer and the Host's interval for the same Core job.</summary>
    private static readonly Dictionary<string, (string Setting, TimeSpan HostInterval)> Timers = new(StringComparer.Ordinal)
    {
        ["AuthorizationSweepTimer"] = ("AuthorizationSweepSchedule", new AuthorizationSweepOptions().Interval),
        ["WebhookInboxSweepTimer"] = ("WebhookInboxSweepSchedule", new WebhookOptions().SweepInterval),
        ["WebhookResyncTimer"] = ("WebhookResyncSchedule", new WebhookOptions().ResyncInterval),
        ["InvoiceDeadlineSweepTimer"] = ("InvoiceDeadlineSweepSchedule", new InvoiceOptions().SweepInterval),
        ["ReconciliationTimer"] = ("ReconciliationSchedule", new ReconciliationOptions().Interval),
    };

    [Fact]
    public void Every_function_in_the_workers_metadata_loads()
    {
        var report = StandIn.LoadReport;
        output.WriteLine(report.Summary);

        Assert.Empty(report.Failures);
        Assert.Equal(StandIn.Functions.Count, report.Total);
        Assert.Equal(report.Total, report.Loaded);
        Assert.Equal(StandIn.Functions.Count, StandIn.Functions.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_workers_http_functions_are_exactly_the_Hosts_routes()
    {
        Assert.Equal("api", StandIn.RoutePrefix);
        var host = RouteParity.HostRoutes(StandIn.RoutePrefix);
        var functions = RouteParity.FunctionRoutes(StandIn.Routes);

        Assert.NotEmpty(host);
        Assert.Equal("", RouteParity.Differences(host, functions));
    }

    [Fact]
    public void Every_function_is_an_http_route_a_queue_trigger_or_a_timer_with_the_Hosts_interval()
    {
        Assert.All(StandIn.Functions, f => Assert.True(f.IsHttp || f.IsTimer || f.IsServiceBus, $"{f.Name} has trigger {f.Trigger?.Type}"));
        Assert.Equal(Timers.Keys.Order(StringComparer.Ordinal), StandIn.Functions.Where(f => f.IsTimer).Select(f => f.Name).Order(StringComparer.Ordinal));

        var bicep = System.IO.File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "main.bicep"));
        foreach (var schedule in StandIn.Schedules)
        {
            var (setting, interval) = Timers[schedule.FunctionName];
            Assert.Equal($"%{setting}%", schedule.Declared);
            Assert.Contains($"name: '{setting}'", bicep, StringComparison.Ordinal);
            var first = schedule.Schedule.GetNextOccurrence(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            Assert.Equal(interval, schedule.Schedule.GetNextOccurrence(first) - first);
        }
    }

    [Fact]
    public void Every_queue_has_one_service_bus_trigger_on_the_senders_connection()
    {
        var triggers = StandIn.Functions.Where(f => f.IsServiceBus).ToList();

        Assert.Equal(QueueNames.All.Order(StringComparer.Ordinal), triggers.Select(f => f.Trigger!.Property("queueName")).Order(StringComparer.Ordinal));
        Assert.All(triggers, f =>
        {
            Assert.Equal(ServiceBusConnection.Name, f.Trigger!.Property("connection"));
            Assert.Equal("One", f.Trigger.Property("cardinality"));
            Assert.Equal("String", f.Trigger.Property("dataType"));
        });
        // Each is being served: the stand-in receives from its queue.
        Assert.Equal(QueueNames.All.Order(StringComparer.Ordinal), StandIn.ServiceBusTriggers.Select(t => t.Queue).Order(StringComparer.Ordinal));
        Assert.All(StandIn.ServiceBusTriggers, t => Assert.True(t.AutoComplete, $"{t.FunctionName} would leave its messages unsettled"));
    }

    [Fact]
    public async Task The_authorization_sweep_timer_flags_an_aging_authorization()
    {
        var user = PaymentsFixture.NewUserId();
        var (client, cardId, _) = await UserWithCardAsync(Door, user);
        var held = await HttpAssert.JsonAsync(await BuyAsync(client, new { items = GoldenCart, paymentMethodId = cardId, captureMethod = "manual" }), HttpStatusCode.Created);
        var purchases = Door.Get<PaymentsStorage>().Table(TableNames.Purchases);
        // Authorized a week ago: past the default MaxAge (6 days).
        await purchases.UpdateEntityAsync(new TableEntity(user, held.Id()) { ["AuthorizedAt"] = DateTimeOffset.UtcNow.AddDays(-7) }, Azure.ETag.All, TableUpdateMode.Merge);

        await StandIn.InvokeTimerAsync("AuthorizationSweepTimer");

        var purchase = (await Door.Get<PurchaseStore>().FindAsync(user, held.Id(), default))!.Purchase;
        Assert.NotNull(purchase.SweptAt);
        Assert.Equal(PurchaseStatus.Authorized, purchase.Status);
    }

    [Fact]
    public async Task The_inbox_sweep_timer_enqueues_a_stuck_event_again()
    {
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(Door, fixture.Stripe);
        // Acknowledged and stored ten minutes ago, but its message was lost.
        var json = EventJson("payment_intent.succeeded", IntentObject(intentId));
        var envelope = StripeEventEnvelope.TryParse(Encoding.UTF8.GetBytes(json))!;
        await Door.Get<InboxStore>().TryAddAsync(new InboxEvent(envelope.Id, envelope.Type, envelope.Created, envelope.ApiVersion, intentId,
            QueueNames.Payments, InboxStatus.Received, "webhook", DateTimeOffset.UtcNow.AddMinutes(-10), null, null, 0, null), Encoding.UTF8.GetBytes(json), default);

        await StandIn.InvokeTimerAsync("WebhookInboxSweepTimer");

        await HttpAssert.EventuallyAsync(async () =>
            (await Door.Get<InboxStore>().FindAsync(envelope.Id, default))!.Value.Event.Status == InboxStatus.Processed, "event processed");
        Assert.Equal(PurchaseStatus.Succeeded, (await Door.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status);
    }

    [Fact]
    public async Task The_resync_timer_takes_in_the_events_that_never_arrived()
    {
        // No webhook endpoint is registered in this fixture: Stripe's events for the capture never arrive.
        var (user, purchaseId, intentId) = await PurchaseCapturedInStripeAsync(Door, fixture.Stripe);
        var events = await fixture.Stripe.CreateClient().V1.Events.ListAsync(new EventListOptions { Limit = 100, Type = "payment_intent.succeeded" });
        var missed = events.Data.Single(e => (e.Data.Object as PaymentIntent)?.Id == intentId);
        Assert.Null(await Door.Get<InboxStore>().FindAsync(missed.Id, default));

        await StandIn.InvokeTimerAsync("WebhookResyncTimer");

        var stored = (await Door.Get<InboxStore>().FindAsync(missed.Id, default))!.Value.Event;
        Assert.Equal("resync", stored.Source);
        await HttpAssert.EventuallyAsync(async () =>
            (await Door.Get<PurchaseStore>().FindAsync(user, purchaseId, default))!.Purchase.Status == PurchaseStatus.Succeeded, "purchase succeeded");
    }

    [Fact]
    public async Task The_invoice_deadline_timer_expires_an_invoice_past_its_deadline()
    {
        var organiser = PaymentsFixture.NewUserId("organiser");
        using var client = new HttpClient { BaseAddress = Door.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new("Bearer", DevelopmentTokens.Mint(PaymentsHostServer.Auth, organiser, null, $"{organiser}@example.test"));
        var created = await HttpAssert.JsonAsync(await client.PostAsJsonAsync("/api/invoices", new { title = "Past due" }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var invoices = Door.Get<PaymentsStorage>().Table(TableNames.GroupInvoices);
        await invoices.UpdateEntityAsync(new TableEntity(id, "invoice") { ["Deadline"] = DateTimeOffset.UtcNow.AddMinutes(-1) }, Azure.ETag.All, TableUpdateMode.Merge);

        await StandIn.InvokeTimerAsync("InvoiceDeadlineSweepTimer");

        var swept = await HttpAssert.JsonAsync(await client.GetAsync($"/api/invoices/{id}"), HttpStatusCode.OK);
        Assert.Equal("expired", swept.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_reconciliation_timer_runs_the_reconciler()
    {
        var before = DateTimeOffset.UtcNow;

        await StandIn.InvokeTimerAsync("ReconciliationTimer");

        var last = await Door.Get<ReconciliationCursorStore>().LastRunAsync(default);
        Assert.NotNull(last);
        Assert.True(last.FinishedAt >= before, $"the last run finished at {last.FinishedAt}, before the timer fired at {before}");
    }

    [Fact]
    public async Task The_reconciliation_routes_answer_admins_only_through_the_worker()
    {
        using var anonymous = Door.NewClient();
        using var member = Door.ClientFor(PaymentsFixture.NewUserId());
        using var admin = Door.ClientFor(PaymentsFixture.NewUserId("admin"), "admin");

        await HttpAssert.ProblemAsync(await anonymous.PostAsync("/api/reconciliation/runs", null), 401, "unauthenticated");
        await HttpAssert.ProblemAsync(await member.GetAsync("/api/reconciliation/findings"), 403, "forbidden");
        var run = await HttpAssert.JsonAsync(await admin.PostAsync("/api/reconciliation/runs", null), HttpStatusCode.OK);
        Assert.True(run.GetProperty("checked").GetInt32() >= 0);
        var page = await HttpAssert.JsonAsync(await admin.GetAsync("/api/reconciliation/findings?status=resolved"), HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, page.GetProperty("data").ValueKind);
    }
}
