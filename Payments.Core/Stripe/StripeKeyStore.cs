using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Stripe;

/// <summary>Table <c>stripekeys</c> (PK an idempotency key given up after a saved 5xx): the generation of the key to use next (<see cref="KeyedStripeCall"/>).</summary>
public sealed class StripeKeyStore(PaymentsStorage storage)
{
    private readonly TableClient _generations = storage.Table(TableNames.StripeKeys);

    public async Task<int> NewestAsync(string key, CancellationToken ct) => Generation(await ReadAsync(key, ct));

    /// <summary>
    /// Records that generations up to <paramref name="givenUp"/> are given up and returns the one to try
    /// next. Two calls giving up at once both move past what either saw; the stored one never goes back.
    /// </summary>
    public async Task<int> AdvanceAsync(string key, int givenUp, CancellationToken ct)
    {
        while (true)
        {
            var row = await ReadAsync(key, ct);
            var next = Math.Max(givenUp, Generation(row)) + 1;
            var entity = new TableEntity(key, "") { ["Generation"] = next };
            try
            {
                if (row is null)
                    await _generations.AddEntityAsync(entity, ct);
                else
                    await _generations.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, ct);
                return next;
            }
            catch (Azure.RequestFailedException ex) when (ex.Status is 409 or 412)
            {
                // Another call moved it first: read again and move past that.
            }
        }
    }

    private async Task<TableEntity?> ReadAsync(string key, CancellationToken ct)
    {
        var row = await _generations.GetEntityIfExistsAsync<TableEntity>(key, "", cancellationToken: ct);
        return row.HasValue ? row.Value : null;
    }

    private static int Generation(TableEntity? row) => row?.GetInt32("Generation") ?? 1;
}
