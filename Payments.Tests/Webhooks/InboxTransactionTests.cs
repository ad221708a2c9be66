using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Payments.Core.Composition;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Payments.Tests.Infrastructure;
using Xunit;
using static Payments.Tests.Webhooks.WebhookTestKit;

namespace Payments.Tests.Webhooks;

/// <summary>
/// What the bucketed inbox relies on from entity group transactions, checked on Azurite itself (its table support is
/// partial: these are the behaviours InboxStore depends on, each as Azure documents it), then the store's batch add
/// built on them: a row already held, a repeat and a row refused as it is each stay alone, their neighbours are stored.
/// </summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class InboxTransactionTests(PaymentsFixture fixture) : IAsyncLifetime
{
    private ServiceProvider _core = null!;
    private string _prefix = null!;

    public async Task InitializeAsync()
    {
        _prefix = "it" + Guid.NewGuid().ToString("n")[..8];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = fixture.Azurite.ConnectionString,
            ["Storage:NamePrefix"] = _prefix,
            // One bucket: every row below shares a partition, so each batch is a single transaction.
            ["Webhooks:InboxBuckets"] = "1",
        }).Build();
        _core = new ServiceCollection().AddLogging().AddPayments(configuration).BuildServiceProvider();
        await _core.GetRequiredService<PaymentsStorage>().CreateAllAsync(default);
    }

    public async Task DisposeAsync() => await _core.DisposeAsync();

    private T Get<T>() where T : notnull => _core.GetRequiredService<T>();

    private async Task<TableClient> ScratchTableAsync()
    {
        var table = new TableServiceClient(fixture.Azurite.ConnectionString).GetTableClient(_prefix + "scratch" + Guid.NewGuid().ToString("n")[..6]);
        await table.CreateAsync();
        await table.AddEntityAsync(new TableEntity("p", "held"));
        return table;
    }

    private static async Task<List<string>> RowKeysAsync(TableClient table) =>
        await table.QueryAsync<TableEntity>(e => e.PartitionKey == "p").Select(e => e.RowKey).ToListAsync();

    private static TableTransactionAction Add(string rowKey) => new(TableTransactionActionType.Add, new TableEntity("p", rowKey));

    [Fact]
    public async Task Azurite_fails_a_transaction_whole_and_names_the_action_that_failed_it()
    {
        var table = await ScratchTableAsync();

        // An Add of an entity that exists: 409, that action's index, nothing of the transaction written.
        var held = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync([Add("a"), Add("held"), Add("c")]));
        Assert.Equal((409, "EntityAlreadyExists", 1), (held.Status, held.ErrorCode, held.FailedTransactionActionIndex));
        Assert.Equal(["held"], await RowKeysAsync(table));

        // The same entity twice in one transaction: refused (so InboxStore answers repeats itself, before submitting).
        var twice = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync([Add("d"), Add("e"), Add("d")]));
        Assert.Equal((400, 2), (twice.Status, twice.FailedTransactionActionIndex));

        // A property over 64 KiB: 400 for that action.
        var big = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
            [Add("f"), new(TableTransactionActionType.Add, new TableEntity("p", "g") { ["Payload"] = new string('x', 40_000) })]));
        Assert.Equal((400, 1), (big.Status, big.FailedTransactionActionIndex));

        // Deleting a missing entity: 404 naming it; merging into a missing one with If-Match * also 404, and creates nothing.
        var missing = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
            [Add("h"), new(TableTransactionActionType.Delete, new TableEntity("p", "gone"), ETag.All)]));
        Assert.Equal((404, "ResourceNotFound", 1), (missing.Status, missing.ErrorCode, missing.FailedTransactionActionIndex));
        var blind = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
            [new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "nobody") { ["Status"] = "processed" }, ETag.All)]));
        Assert.Equal((404, 0), (blind.Status, blind.FailedTransactionActionIndex));
        Assert.Equal(["held"], await RowKeysAsync(table));

        // A stale ETag: 412 for that action.
        var row = (await table.GetEntityAsync<TableEntity>("p", "held")).Value;
        await table.UpdateEntityAsync(new TableEntity("p", "held") { ["Status"] = "newer" }, row.ETag, TableUpdateMode.Merge);
        var stale = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitTransactionAsync(
            [new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "held") { ["Status"] = "older" }, row.ETag)]));
        Assert.Equal((412, 0), (stale.Status, stale.FailedTransactionActionIndex));

        // And with nothing to object to, all of it.
        await table.SubmitTransactionAsync([Add("a"), Add("c"), new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "mark"))]);
        Assert.Equal(["a", "c", "held", "mark"], await RowKeysAsync(table));
        await table.DeleteAsync();
    }

    private static InboxEvent Waiting(string id, string type = "payment_intent.succeeded") =>
        new(id, type, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), null, "pi_" + id, QueueNames.Payments, InboxStatus.Received, "webhook",
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null, 0, null, Sends: 1);

    [Fact]
    public async Task A_batch_with_a_row_already_held_and_one_refused_stores_the_others_each_with_its_pending_mark()
    {
        var inbox = Get<InboxStore>();
        var held = Waiting("evt_" + Guid.NewGuid().ToString("n"));
        Assert.True(await inbox.TryAddAsync(held, Encoding.UTF8.GetBytes("{}"), default));
        var first = Waiting("evt_" + Guid.NewGuid().ToString("n"));
        var refused = Waiting("evt_" + Guid.NewGuid().ToString("n"), type: new string('t', 40_000));
        var last = Waiting("evt_" + Guid.NewGuid().ToString("n"));
        var ignored = Waiting("evt_" + Guid.NewGuid().ToString("n")) with { Status = InboxStatus.Ignored, Queue = null, Sends = 0 };

        var results = await inbox.TryAddManyAsync([.. new[] { first, held with { Sends = 7 }, refused, last, ignored }
            .Select(e => new InboxStore.NewRow(e, Encoding.UTF8.GetBytes(EventJson(e.Type[..Math.Min(e.Type.Length, 40)], "{}", e.Id))))], default);

        Assert.Equal([true, false, false, true, true], results.Select(r => r.Added));
        Assert.Null(results[1].Error);
        Assert.Equal(400, Assert.IsType<TableTransactionFailedException>(results[2].Error).Status);
        Assert.Null(await inbox.FindAsync(refused.Id, default));
        Assert.Equal(1, (await inbox.FindAsync(held.Id, default))!.Value.Event.Sends);
        foreach (var added in new[] { first, last, ignored })
            Assert.Equal(added.Status, (await inbox.FindAsync(added.Id, default))!.Value.Event.Status);

        // Every row waiting for a handler has its mark, and only those.
        var marks = await Get<PaymentsStorage>().Table(TableNames.WebhookInbox)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey ge {InboxKeys.PendingPrefix} and RowKey lt {InboxKeys.End(InboxKeys.PendingPrefix)}"))
            .Select(e => e.RowKey[InboxKeys.PendingPrefix.Length..]).ToListAsync();
        Assert.Equal(new[] { held.Id, first.Id, last.Id }.Order(StringComparer.Ordinal), marks.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Marking_an_unread_row_processed_takes_its_pending_mark_with_it_and_creates_no_row_that_was_never_there()
    {
        var inbox = Get<InboxStore>();
        var e = Waiting("evt_" + Guid.NewGuid().ToString("n"));
        await inbox.TryAddAsync(e, Encoding.UTF8.GetBytes("{}"), default);

        await inbox.MarkProcessedAsync(e.Id, 1, read: null, default);
        await inbox.MarkProcessedAsync("evt_never_stored_" + Guid.NewGuid().ToString("n"), 1, read: null, default);

        var row = (await inbox.FindAsync(e.Id, default))!.Value.Event;
        Assert.Equal((InboxStatus.Processed, 1, 1), (row.Status, row.Attempts, row.Sends));
        Assert.False(await inbox.AnyPendingAsync(default));
        var all = await Get<PaymentsStorage>().Table(TableNames.WebhookInbox).QueryAsync<TableEntity>().Select(r => r.RowKey).ToListAsync();
        Assert.DoesNotContain(all, k => k.Contains("never_stored", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Marks_of_handlers_finishing_together_share_transactions_and_a_mark_gone_or_a_row_never_stored_holds_back_no_neighbour()
    {
        var inbox = Get<InboxStore>();
        var events = Enumerable.Range(0, 60).Select(_ => Waiting("evt_" + Guid.NewGuid().ToString("n"))).ToList();
        await inbox.TryAddManyAsync([.. events.Select(e => new InboxStore.NewRow(e, Encoding.UTF8.GetBytes("{}")))], default);
        // One whose pending mark is gone already (an earlier attempt took it), one never stored (If-Match * creates nothing).
        await Get<PaymentsStorage>().Table(TableNames.WebhookInbox).DeleteEntityAsync(InboxKeys.Partition(events[7].Id, 1), InboxKeys.PendingRow(events[7].Id));
        var neverStored = "evt_never_stored_" + Guid.NewGuid().ToString("n");
        var marks = events.Select((e, i) => new InboxStore.ProcessedMark(e.Id, 1 + i % 3)).Append(new InboxStore.ProcessedMark(neverStored, 1)).ToList();

        // 61 marks in one bucket: more than one transaction's 100 entities, so the 50 + 11 split is exercised too.
        var errors = await inbox.MarkProcessedManyAsync(marks, default);

        Assert.All(errors, Assert.Null);
        foreach (var (e, i) in events.Select((e, i) => (e, i)))
        {
            var row = (await inbox.FindAsync(e.Id, default))!.Value.Event;
            Assert.Equal((InboxStatus.Processed, 1 + i % 3), (row.Status, row.Attempts));
        }
        Assert.Null(await inbox.FindAsync(neverStored, default));
        Assert.False(await inbox.AnyPendingAsync(default));
    }

    [Fact]
    public async Task Handlers_marking_at_once_through_the_group_commit_each_get_their_row_marked()
    {
        var inbox = Get<InboxStore>();
        var events = Enumerable.Range(0, 40).Select(_ => Waiting("evt_" + Guid.NewGuid().ToString("n"))).ToList();
        await inbox.TryAddManyAsync([.. events.Select(e => new InboxStore.NewRow(e, Encoding.UTF8.GetBytes("{}")))], default);

        // Every event twice at once (a duplicate delivery handled beside the first): one entity may appear once per transaction.
        await Task.WhenAll(events.Concat(events).Select(e => Get<ProcessedMarks>().MarkAsync(e.Id, 1, read: null, default)));

        foreach (var e in events)
            Assert.Equal(InboxStatus.Processed, (await inbox.FindAsync(e.Id, default))!.Value.Event.Status);
        Assert.False(await inbox.AnyPendingAsync(default));
    }

    [Fact]
    public async Task The_inbox_refuses_to_write_under_another_bucket_count_than_it_was_first_written_with()
    {
        await Get<InboxStore>().TryAddAsync(Waiting("evt_" + Guid.NewGuid().ToString("n")), Encoding.UTF8.GetBytes("{}"), default);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:ConnectionString"] = fixture.Azurite.ConnectionString,
            ["Storage:NamePrefix"] = _prefix,
            ["Webhooks:InboxBuckets"] = "8",
        }).Build();
        await using var other = new ServiceCollection().AddLogging().AddPayments(configuration).BuildServiceProvider();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            other.GetRequiredService<InboxStore>().TryAddAsync(Waiting("evt_" + Guid.NewGuid().ToString("n")), Encoding.UTF8.GetBytes("{}"), default));
        Assert.Contains("Webhooks:InboxBuckets", refused.Message, StringComparison.Ordinal);
    }
}
