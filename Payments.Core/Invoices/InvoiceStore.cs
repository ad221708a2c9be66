using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Payments.Core.Http;
using Payments.Core.Storage;
using Payments.Core.Telemetry;

namespace Payments.Core.Invoices;

/// <summary>An invoice as read, with its row's ETag and its rows as stored (to write only what changed).</summary>
/// <param name="Figures">Captured and refunded over the shares as read: the store counts the money a save moved from the difference.</param>
public sealed record StoredInvoice(Invoice Invoice, ETag ETag, IReadOnlyDictionary<string, string> Rows, MoneyFigures Figures);

public sealed record InvoiceMembership(string InvoiceId, string Role, DateTimeOffset Joined);

/// <summary>
/// Table <c>groupinvoices</c>: one partition per invoice (the invoice row, then member, item, share,
/// payment and refund rows), so one query reads it all and one entity-group transaction writes a
/// change, guarded by the invoice row's ETag: every change to any row of an invoice replaces that
/// row, so two writers never both succeed on the same version. Table <c>groupinvoicesbyuser</c>
/// (PK user, RK invoice id) lists a user's invoices.
/// </summary>
public sealed class InvoiceStore(PaymentsStorage storage)
{
    private const string HeaderRow = "invoice";
    private const string PaypalReauthorizeAt = "PaypalReauthorizeAt";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
    private readonly TableClient _invoices = storage.Table(TableNames.GroupInvoices);
    private readonly TableClient _byUser = storage.Table(TableNames.GroupInvoicesByUser);

    /// <summary>Unguessable: the id is the link, like a cart link, and reading still needs membership.</summary>
    public static string NewId() => Ids.New("inv");

    public static bool IsId(string? id) => Ids.HasShape(id, "inv");

    /// <summary>The organiser's index row first, so the invoice is never missing from their list.</summary>
    public async Task CreateAsync(Invoice invoice, CancellationToken ct)
    {
        await IndexAsync(invoice.OrganiserId, invoice.Id, "organiser", invoice.Header.Created, ct);
        var rows = Rows(invoice);
        await _invoices.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), ct);
    }

    public async Task<StoredInvoice?> FindAsync(string invoiceId, CancellationToken ct)
    {
        if (!IsId(invoiceId))
            return null;
        var rows = new List<TableEntity>();
        await foreach (var row in _invoices.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {invoiceId}"), cancellationToken: ct))
            rows.Add(row);
        var header = rows.FirstOrDefault(r => r.RowKey == HeaderRow);
        if (header is null)
            return null;
        List<T> Of<T>(string prefix) => rows.Where(r => r.RowKey.StartsWith(prefix, StringComparison.Ordinal)).Select(Read<T>).ToList();
        var itemsByMember = Of<ItemsRow>("items:").ToDictionary(i => i.UserId, i => i.Items);
        var members = Of<MemberRow>("member:").Select(m => new InvoiceMember(m.UserId, m.Email, m.JoinOrder, m.JoinedAt, itemsByMember.GetValueOrDefault(m.UserId) ?? []));
        var invoice = Invoice.Restore(Read<InvoiceHeader>(header), members, Of<InvoiceShare>("share:"), Of<InvoicePayment>("payment:"), Of<InvoiceRefund>("refund:"));
        return new StoredInvoice(invoice, header.ETag, rows.ToDictionary(r => r.RowKey, r => r.GetString("Data")), FiguresOf(invoice));
    }

    public async Task<Invoice> GetAsync(string invoiceId, CancellationToken ct) =>
        (await FindAsync(invoiceId, ct))?.Invoice ?? throw InvoiceErrors.NotFound().ToException();

    /// <summary>The invoice row (with its ETag) and every row whose content changed, in one transaction.</summary>
    public async Task SaveAsync(StoredInvoice loaded, CancellationToken ct)
    {
        var actions = new List<TableTransactionAction>();
        foreach (var row in Rows(loaded.Invoice))
        {
            if (row.RowKey == HeaderRow)
                actions.Insert(0, new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, loaded.ETag));
            else if (!loaded.Rows.TryGetValue(row.RowKey, out var before) || before != row.GetString("Data"))
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, row));
        }
        await _invoices.SubmitTransactionAsync(actions, ct);
        // After the ETag accepted the save; a StoredInvoice is saved once (a lost race reads the invoice again).
        MoneyMoved.Record("invoices", loaded.Invoice.Header.Totals?.Currency, loaded.Figures, FiguresOf(loaded.Invoice));
    }

    private static MoneyFigures FiguresOf(Invoice invoice) =>
        new(invoice.Shares.Sum(s => s.AmountCaptured), invoice.Shares.Sum(s => s.AmountRefunded));

    /// <summary>
    /// Read, change, write if nobody wrote in between, else read again. <paramref name="change"/>
    /// changes the invoice in place and returns false to write nothing; it may throw an API error.
    /// </summary>
    public async Task<Invoice> MutateAsync(string invoiceId, Func<Invoice, bool> change, CancellationToken ct) =>
        (await Optimistic.MutateAsync(
            async token => await FindAsync(invoiceId, token) is { } stored ? (stored, stored.ETag) : ((StoredInvoice, ETag)?)null,
            stored => change(stored.Invoice) ? stored : null,
            (stored, _, token) => SaveAsync(stored, token),
            ct))?.Invoice ?? throw InvoiceErrors.NotFound().ToException();

    public Task IndexAsync(string userId, string invoiceId, string role, DateTimeOffset joined, CancellationToken ct) =>
        _byUser.UpsertEntityAsync(new TableEntity(userId, invoiceId) { ["Role"] = role, ["Joined"] = joined }, TableUpdateMode.Replace, ct);

    public async Task<IReadOnlyList<InvoiceMembership>> ListForUserAsync(string userId, CancellationToken ct)
    {
        var found = new List<InvoiceMembership>();
        await foreach (var row in _byUser.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {userId}"), cancellationToken: ct))
            found.Add(new InvoiceMembership(row.RowKey, row.GetString("Role"), row.GetDateTimeOffset("Joined") ?? default));
        return found.OrderByDescending(m => m.Joined).ToList();
    }

    /// <summary>Open or checked-out invoices whose deadline has passed.</summary>
    public async Task<IReadOnlyList<string>> ListDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter(
            $"RowKey eq {HeaderRow} and Deadline le {now} and (Status eq {InvoiceStatus.Open.ToWire()} or Status eq {InvoiceStatus.CheckedOut.ToWire()})");
        var due = new List<string>();
        await foreach (var row in _invoices.QueryAsync<TableEntity>(filter, select: ["PartitionKey"], cancellationToken: ct))
            due.Add(row.PartitionKey);
        return due;
    }

    /// <summary>Invoices whose every share is authorized but which are not funded yet: funding to finish or retry.</summary>
    public async Task<IReadOnlyList<string>> ListAwaitingFundingAsync(CancellationToken ct)
    {
        var awaiting = new List<string>();
        var filter = TableClient.CreateQueryFilter($"RowKey eq {HeaderRow} and AwaitingFunding eq {true}");
        await foreach (var row in _invoices.QueryAsync<TableEntity>(filter, select: ["PartitionKey"], cancellationToken: ct))
            awaiting.Add(row.PartitionKey);
        return awaiting;
    }

    /// <summary>
    /// Ids of invoices whose invoice row was written at or after <paramref name="since"/> (every change
    /// replaces that row, so its Timestamp is the invoice's last change), a page at a time, with the
    /// table's continuation token as is: what the reconciler compares with Stripe.
    /// </summary>
    public async Task<(IReadOnlyList<string> Ids, string? Continuation)> ListTouchedSinceAsync(
        DateTimeOffset since, int limit, string? continuation, CancellationToken ct)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey eq {HeaderRow} and Timestamp ge {since}");
        await foreach (var page in _invoices.QueryAsync<TableEntity>(filter, maxPerPage: limit, select: ["PartitionKey"], cancellationToken: ct).AsPages(continuation, limit))
            return (page.Values.Select(r => r.PartitionKey).ToList(), page.ContinuationToken);
        return ([], null);
    }

    /// <summary>Checked-out invoices with a PayPal authorization whose honor period has ended and that was not reauthorized yet.</summary>
    public async Task<IReadOnlyList<string>> ListPaypalReauthorizationsDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var due = new List<string>();
        var filter = TableClient.CreateQueryFilter(
            $"RowKey eq {HeaderRow} and Status eq {InvoiceStatus.CheckedOut.ToWire()} and PaypalReauthorizeAt le {now}");
        await foreach (var row in _invoices.QueryAsync<TableEntity>(filter, select: ["PartitionKey"], cancellationToken: ct))
            due.Add(row.PartitionKey);
        return due;
    }

    /// <summary>Invoices whose ending is not finished: ending, or ended with money still to give back.</summary>
    public async Task<IReadOnlyList<string>> ListEndingAsync(CancellationToken ct)
    {
        var ending = new List<string>();
        var filter = TableClient.CreateQueryFilter(
            $"RowKey eq {HeaderRow} and (Status eq {InvoiceStatus.Ending.ToWire()} or EndingWork eq {true})");
        await foreach (var row in _invoices.QueryAsync<TableEntity>(filter, select: ["PartitionKey"], cancellationToken: ct))
            ending.Add(row.PartitionKey);
        return ending;
    }

    private static List<TableEntity> Rows(Invoice invoice)
    {
        var id = invoice.Id;
        var rows = new List<TableEntity>
        {
            new(id, HeaderRow)
            {
                ["Data"] = Write(invoice.Header),
                ["Status"] = invoice.Status.ToWire(),
                ["Deadline"] = invoice.Header.Deadline,
                ["OrganiserId"] = invoice.OrganiserId,
                ["AwaitingFunding"] = invoice.IsFullyAuthorized,
                // An ended invoice that money reached late (a capture found while voiding after it ended): still to give back.
                ["EndingWork"] = invoice.HasEndingWork,
            },
        };
        // Only while a PayPal authorization waits for its reauthorization (a row without it is never listed as due).
        if (invoice.NextPaypalReauthorization is { } reauthorizeAt)
            rows[0][PaypalReauthorizeAt] = reauthorizeAt;
        foreach (var m in invoice.Members)
        {
            rows.Add(new TableEntity(id, $"member:{m.UserId}") { ["Data"] = Write(new MemberRow(m.UserId, m.Email, m.JoinOrder, m.JoinedAt)) });
            rows.Add(new TableEntity(id, $"items:{m.UserId}") { ["Data"] = Write(new ItemsRow(m.UserId, m.Items)) });
        }
        rows.AddRange(invoice.Shares.Select(s => new TableEntity(id, $"share:{s.MemberId}") { ["Data"] = Write(s) }));
        rows.AddRange(invoice.Payments.Select(p => new TableEntity(id, $"payment:{p.Id}") { ["Data"] = Write(p) }));
        rows.AddRange(invoice.Refunds.Select(r => new TableEntity(id, $"refund:{r.Id}") { ["Data"] = Write(r) }));
        return rows;
    }

    private static string Write<T>(T value) => JsonSerializer.Serialize(value, Json);

    private static T Read<T>(TableEntity row) => JsonSerializer.Deserialize<T>(row.GetString("Data"), Json)
        ?? throw new InvalidDataException($"Row {row.PartitionKey}/{row.RowKey} has no data.");

    private sealed record MemberRow(string UserId, string? Email, int JoinOrder, DateTimeOffset JoinedAt);

    private sealed record ItemsRow(string UserId, IReadOnlyList<Catalog.QuoteLine> Items);
}
