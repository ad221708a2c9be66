using Microsoft.AspNetCore.Http;
using Payments.FunctionsHostStandIn;
using Payments.StandIns.Testing;
using Xunit;
using static Payments.StandIns.Testing.WorkerFunctions;

namespace Payments.StandIns.Tests.FunctionsHostStandIn;

/// <summary>The stand-in host's own checks, on metadata made here: what must stop a run does.</summary>
public sealed class HostStandInChecksTests
{
    [Fact]
    public void A_service_bus_trigger_is_served_only_with_its_queue_and_connection_and_as_the_stand_in_can()
    {
        var settings = new Dictionary<string, string> { ["ServiceBusConnection"] = "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;", ["Queues__Cards"] = "cards-2" };
        var host = new ServiceBusHostSettings(16, true, TimeSpan.FromMinutes(10), 0);
        ServiceBusTriggerPlan Resolve(string binding) => ServiceBusTriggerPlans.Resolve(Queue("Q", binding), settings, host);
        string Refusal(string binding) => Assert.Throws<FunctionsHostStandInException>(() => Resolve(binding)).Message;

        Assert.Equal(new ServiceBusTrigger("Q", "cards", true), Resolve("""
            "queueName":"cards","connection":"ServiceBusConnection","cardinality":"One"
            """).Trigger);
        // %Setting% queue names resolve as timers' schedules do; the binding's own auto-complete wins over host.json's.
        Assert.Equal(new ServiceBusTrigger("Q", "cards-2", false), Resolve("""
            "queueName":"%Queues:Cards%","connection":"ServiceBusConnection","autoCompleteMessages":"false"
            """).Trigger);

        Assert.Contains("'Missing' is not set", Refusal("""
            "queueName":"cards","connection":"Missing"
            """), StringComparison.Ordinal);
        Assert.Contains("'Nope', which is not set", Refusal("""
            "queueName":"%Nope%","connection":"ServiceBusConnection"
            """), StringComparison.Ordinal);
        Assert.Contains("topic", Refusal("""
            "topicName":"t","subscriptionName":"s","connection":"ServiceBusConnection"
            """), StringComparison.Ordinal);
        Assert.Contains("batches", Refusal("""
            "queueName":"cards","connection":"ServiceBusConnection","cardinality":"Many"
            """), StringComparison.Ordinal);
        Assert.Contains("sessions", Refusal("""
            "queueName":"cards","connection":"ServiceBusConnection","isSessionsEnabled":true
            """), StringComparison.Ordinal);
    }

    [Fact]
    public void Host_json_service_bus_settings_are_read_case_insensitively_with_the_extensions_defaults()
    {
        var path = Path.Combine(Path.GetTempPath(), $"host-{Guid.NewGuid():n}.json");
        try
        {
            File.WriteAllText(path, """{"version":"2.0","extensions":{"ServiceBus":{"MaxConcurrentCalls":4,"maxAutoLockRenewalDuration":"00:10:00"}}}""");
            Assert.Equal(new ServiceBusHostSettings(4, true, TimeSpan.FromMinutes(10), 0), ServiceBusHostSettings.Read(path));
            File.WriteAllText(path, """{"version":"2.0"}""");
            Assert.Equal(ServiceBusHostSettings.Defaults, ServiceBusHostSettings.Read(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_function_that_did_not_load_stops_the_run_with_its_exception()
    {
        var report = new FunctionLoadReport(34, [new FunctionLoadFailure("WebhookResyncTimer", "System.Reflection.AmbiguousMatchException: Ambiguous match found")]);

        var failure = Assert.Throws<FunctionsHostStandInException>(report.EnsureAllLoaded);

        Assert.Contains("Functions: 33 of 34 loaded", failure.Message, StringComparison.Ordinal);
        Assert.Contains("WebhookResyncTimer: System.Reflection.AmbiguousMatchException", failure.Message, StringComparison.Ordinal);
        Assert.Throws<FunctionsHostStandInException>(new FunctionLoadReport(0, []).EnsureAllLoaded);
    }

    [Fact]
    public void A_schedule_setting_that_is_missing_or_not_six_field_ncrontab_stops_the_run()
    {
        var settings = new Dictionary<string, string> { ["Hourly"] = "0 0 * * * *", ["FiveFields"] = "0 * * * *" };

        Assert.Equal("0 0 * * * *", TimerSchedules.Resolve(Timer("Sweep", "%Hourly%"), settings).Expression);
        Assert.Contains("'Missing', which is not set", Assert.Throws<FunctionsHostStandInException>(() =>
            TimerSchedules.Resolve(Timer("Sweep", "%Missing%"), settings)).Message, StringComparison.Ordinal);
        Assert.Contains("not a six-field NCRONTAB", Assert.Throws<FunctionsHostStandInException>(() =>
            TimerSchedules.Resolve(Timer("Sweep", "%FiveFields%"), settings)).Message, StringComparison.Ordinal);
        Assert.Throws<FunctionsHostStandInException>(() => TimerSchedules.ResolveAll([Timer("Sweep", "00:05:00")], settings));
    }

    [Fact]
    public void Requests_are_routed_like_the_host_routes_them()
    {
        var table = HostRouteTable.Create(
        [
            Http("GetWebhookEvent", "webhook-events/{id}", "get"),
            Http("ResyncWebhookEvents", "webhook-events/resync", "post"),
            Http("ReplayWebhookEvent", "webhook-events/{id}/replay", "post"),
            Http("Sweep", "purchases/{id}", "post"),
            Http("SweepNow", "purchases/authorization-sweep", "post"),
        ], "api");

        var get = table.Match("GET", new PathString("/api/webhook-events/evt_1"));
        Assert.Equal("GetWebhookEvent", get?.Route.FunctionName);
        Assert.Equal("evt_1", get?.Values["id"]);
        Assert.Equal("ReplayWebhookEvent", table.Match("POST", new PathString("/api/webhook-events/evt_1/replay"))?.Route.FunctionName);
        // A literal segment wins over a parameter.
        Assert.Equal("SweepNow", table.Match("POST", new PathString("/api/purchases/authorization-sweep"))?.Route.FunctionName);
        // No function for the method or the path: 404.
        Assert.Null(table.Match("DELETE", new PathString("/api/webhook-events/evt_1")));
        Assert.Null(table.Match("GET", new PathString("/webhook-events/evt_1")));
        Assert.Null(table.Match("GET", new PathString("/api/nothing-here")));
        Assert.Throws<FunctionsHostStandInException>(() => HostRouteTable.Create([Http("Typed", "items/{id:int}", "get")], "api"));
    }

    [Fact]
    public async Task A_worker_that_keeps_exiting_during_start_up_is_started_again_then_fails_the_run_with_its_output()
    {
        var settings = new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "NotALevel" };
        foreach (var (name, schedule) in FunctionsApp.SampleSchedules())
            settings[name] = schedule;

        var failure = await Assert.ThrowsAsync<FunctionsHostStandInException>(() => FunctionsHost.StartAsync(new FunctionsHostStandInOptions
        {
            FunctionAppDirectory = FunctionsApp.Directory,
            AssemblyFile = "Payments.Functions.dll",
            AppSettings = settings,
        }));

        Assert.True(failure.WorkerExited);
        Assert.StartsWith($"The worker exited during start-up {FunctionsHost.MaxWorkerStarts} times", failure.Message, StringComparison.Ordinal);
        Assert.Contains("NotALevel", failure.Message, StringComparison.Ordinal);
    }
}
