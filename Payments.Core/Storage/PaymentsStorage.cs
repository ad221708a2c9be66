using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace Payments.Core.Storage;

/// <summary>Hands out table and blob container clients under the configured name prefix. (Queues are Service Bus: see Messaging/.)</summary>
public sealed class PaymentsStorage
{
    private readonly TableServiceClient _tables;
    private readonly BlobServiceClient _blobs;
    private readonly string _prefix;

    public PaymentsStorage(IOptions<StorageOptions> options)
    {
        var o = options.Value;
        _prefix = o.NamePrefix;
        if (!string.IsNullOrWhiteSpace(o.ConnectionString))
        {
            _tables = new TableServiceClient(o.ConnectionString);
            _blobs = new BlobServiceClient(o.ConnectionString);
        }
        else if (o.TableEndpoint is not null && o.BlobEndpoint is not null)
        {
            var credential = new DefaultAzureCredential();
            _tables = new TableServiceClient(new Uri(o.TableEndpoint), credential);
            _blobs = new BlobServiceClient(new Uri(o.BlobEndpoint), credential);
        }
        else
        {
            throw new InvalidOperationException("Set Storage:ConnectionString, or Storage:TableEndpoint and Storage:BlobEndpoint.");
        }
    }

    public TableClient Table(string name) => _tables.GetTableClient(_prefix + name);

    /// <summary>Container names allow lowercase letters, digits and dashes.</summary>
    public BlobContainerClient Container(string name) => _blobs.GetBlobContainerClient((_prefix + name).ToLowerInvariant());

    /// <summary>Readiness: one query of one row's key on the webhook inbox's table (where every Stripe event lands first); throws when Table Storage does not answer.</summary>
    public async Task<string> ProbeAsync(CancellationToken ct)
    {
        var inbox = Table(TableNames.WebhookInbox);
        await foreach (var _ in inbox.QueryAsync<TableEntity>(e => e.PartitionKey == "health-probe", maxPerPage: 1, select: ["PartitionKey"], cancellationToken: ct).AsPages())
            break;
        return $"{inbox.Name} answered";
    }

    /// <summary>Creates every table and blob container that is missing, all at once (each call is independent).</summary>
    public Task CreateAllAsync(CancellationToken ct) =>
        Task.WhenAll(
            ContainerNames.All.Select(c => (Task)Container(c).CreateIfNotExistsAsync(cancellationToken: ct))
                .Concat(TableNames.All.Select(t => (Task)Table(t).CreateIfNotExistsAsync(ct))));
}

public static class TableNames
{
    public const string Customers = "customers";
    public const string Cards = "cards";
    public const string CardFingerprints = "cardfingerprints";
    public const string Products = "products";
    public const string Purchases = "purchases";
    public const string PurchaseOwners = "purchaseowners";
    public const string IdempotentRequests = "idempotentrequests";
    public const string Refunds = "refunds";
    public const string WebhookInbox = "webhookinbox";
    /// <summary>
    /// The first inbox layout's index (partition <c>pending</c> for the sweep, <c>received-yyyyMMdd</c> for retention). The
    /// bucketed inbox keeps its pending marks beside its rows and writes nothing here; read by LegacyInboxStore only, and to
    /// be removed with it once the rows it indexes are past <c>Webhooks:Retention</c>.
    /// </summary>
    public const string WebhookIndex = "webhookindex";
    public const string WebhookCursor = "webhookcursor";
    public const string Sales = "sales";
    public const string Subscriptions = "subscriptions";
    public const string AdminAccounts = "adminaccounts";
    public const string Organisations = "organisations";
    public const string OrganisationMembers = "organisationmembers";
    public const string SentEmails = "sentemails";
    /// <summary>
    /// Stripe billing invoices paid for our subscriptions (not our group invoices). The table keeps its
    /// first name: deployed rows live under it and renaming a table in Azure Tables means copying them.
    /// </summary>
    public const string SubscriptionPayments = "invoicepayments";
    public const string FulfilmentOrders = "fulfilmentorders";
    public const string GroupInvoices = "groupinvoices";
    public const string GroupInvoicesByUser = "groupinvoicesbyuser";
    /// <summary>Stripe idempotency keys given up after a saved 5xx: the newest generation per key (see KeyedStripeCall).</summary>
    public const string StripeKeys = "stripekeys";
    /// <summary>The reconciler's findings (PK object, RK kind[:part]) and its cursor (where a pass stands, the last run).</summary>
    public const string ReconciliationFindings = "reconciliationfindings";
    public const string ReconciliationCursor = "reconciliationcursor";

    public static readonly IReadOnlyList<string> All =
    [
        Customers, Cards, CardFingerprints, Products, Purchases, PurchaseOwners, IdempotentRequests, Refunds,
        WebhookInbox, WebhookIndex, WebhookCursor, Sales, Subscriptions, AdminAccounts, Organisations, OrganisationMembers, SentEmails,
        SubscriptionPayments, FulfilmentOrders, GroupInvoices, GroupInvoicesByUser, StripeKeys,
        ReconciliationFindings, ReconciliationCursor,
    ];
}

public static class ContainerNames
{
    /// <summary>Stripe event payloads too large for a table property (64 KiB).</summary>
    public const string WebhookPayloads = "webhook-payloads";

    public static readonly IReadOnlyList<string> All = [WebhookPayloads];
}
