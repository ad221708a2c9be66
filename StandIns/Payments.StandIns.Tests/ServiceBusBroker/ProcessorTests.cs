using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;
using Payments.ServiceBusBroker;
using Payments.StandIns.Testing;
using Xunit;

namespace Payments.StandIns.Tests.ServiceBusBroker;

/// <summary>ServiceBusProcessor, as the Host and the Functions trigger run it: prefetch, concurrent calls, auto-complete, lock renewal.</summary>
public sealed class ProcessorTests() : BrokerTest(new QueueOptions { Name = "short-lock", LockDuration = ShortLock })
{
    // The shortest lock the Azure portal offers. The client renews a lock halfway through it, so a
    // shorter one leaves a busy machine too little time to renew and tests the machine, not renewal.
    private static readonly TimeSpan ShortLock = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_processor_with_concurrent_calls_handles_every_message_once_and_completes_it()
    {
        const int count = 300;
        await using var sender = Client.CreateSender("payments");
        foreach (var chunk in Enumerable.Range(0, count).Chunk(50))
            await sender.SendMessagesAsync(chunk.Select(i => new ServiceBusMessage($"body-{i}") { MessageId = $"evt_{i}" }));

        var handled = new ConcurrentDictionary<string, int>();
        var inFlight = 0;
        var maxInFlight = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var processor = Client.CreateProcessor("payments", new ServiceBusProcessorOptions { MaxConcurrentCalls = 8, PrefetchCount = 20 });
        processor.ProcessMessageAsync += async args =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref maxInFlight, now);
            await Task.Yield();
            handled.AddOrUpdate(args.Message.MessageId, 1, (_, n) => n + 1);
            Interlocked.Decrement(ref inFlight);
            if (handled.Count == count)
                done.TrySetResult();
        };
        processor.ProcessErrorAsync += args =>
        {
            done.TrySetException(args.Exception);
            return Task.CompletedTask;
        };

        await processor.StartProcessingAsync();
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntilAsync(() => Server.Broker.CountMessages("payments") == 0);
        await processor.StopProcessingAsync();

        Assert.Equal(count, handled.Count);
        Assert.All(handled.Values, n => Assert.Equal(1, n));
        Assert.True(maxInFlight > 1, "the processor never ran two handlers at once");
        Assert.Equal(0, Server.Broker.CountMessages("payments/$DeadLetterQueue"));
    }

    [Fact]
    public async Task A_handler_that_throws_is_retried_and_one_outliving_its_lock_keeps_it_by_auto_renewal()
    {
        await using var sender = Client.CreateSender("short-lock");
        await sender.SendMessageAsync(new ServiceBusMessage("flaky") { MessageId = "f-1" });
        await sender.SendMessageAsync(new ServiceBusMessage("slow") { MessageId = "s-1" });

        var attempts = new ConcurrentDictionary<string, int>();
        var completed = new ConcurrentBag<string>();
        await using var processor = Client.CreateProcessor("short-lock", new ServiceBusProcessorOptions
        {
            MaxConcurrentCalls = 2,
            MaxAutoLockRenewalDuration = TimeSpan.FromMinutes(1),
        });
        processor.ProcessMessageAsync += async args =>
        {
            var attempt = attempts.AddOrUpdate(args.Message.MessageId, 1, (_, n) => n + 1);
            if (args.Message.MessageId == "f-1" && attempt == 1)
                throw new InvalidOperationException("transient");
            if (args.Message.MessageId == "s-1")
            {
                // Outlive the lock: only renewal keeps it ours.
                var until = args.Message.LockedUntil.AddSeconds(1.5);
                while (DateTimeOffset.UtcNow < until)
                    await Task.Delay(100, args.CancellationToken);
            }
            completed.Add(args.Message.MessageId);
        };
        processor.ProcessErrorAsync += _ => Task.CompletedTask;

        await processor.StartProcessingAsync();
        await WaitUntilAsync(() => completed.Count == 2 && Server.Broker.CountMessages("short-lock") == 0, ShortLock * 6);
        await processor.StopProcessingAsync();

        Assert.Equal(2, attempts["f-1"]);
        Assert.Equal(1, attempts["s-1"]);
        Assert.Equal(0, Server.Broker.CountMessages("short-lock/$DeadLetterQueue"));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
                return;
            current = seen;
        }
    }
}
