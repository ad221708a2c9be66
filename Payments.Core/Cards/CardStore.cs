using Azure;
using Azure.Data.Tables;
using Payments.Core.Storage;

namespace Payments.Core.Cards;

public sealed record StoredCard(Card Card, ETag ETag);

/// <summary>Cards partitioned by user: every read is "this user's cards".</summary>
public sealed class CardStore(PaymentsStorage storage)
{
    private readonly TableClient _table = storage.Table(TableNames.Cards);

    public async Task<StoredCard?> FindAsync(string userId, string cardId, CancellationToken ct)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(userId, cardId, cancellationToken: ct);
        return response.HasValue ? new StoredCard(FromEntity(response.Value!), response.Value!.ETag) : null;
    }

    public async Task<IReadOnlyList<Card>> ListAsync(string userId, CancellationToken ct)
    {
        var cards = new List<Card>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {userId}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            cards.Add(FromEntity(entity));
        return cards;
    }

    /// <summary>Insert if absent; false when a card with this id already exists.</summary>
    public Task<bool> TryInsertAsync(Card card, CancellationToken ct) => _table.TryAddEntityAsync(ToEntity(card), ct);

    /// <summary>Optimistic update: throws <see cref="RequestFailedException"/> 412 when someone else wrote first.</summary>
    public async Task<ETag> UpdateAsync(Card card, ETag etag, CancellationToken ct)
    {
        var response = await _table.UpdateEntityAsync(ToEntity(card), etag, TableUpdateMode.Replace, ct);
        return response.Headers.ETag ?? default;
    }

    private static TableEntity ToEntity(Card card) => new(card.UserId, card.Id)
    {
        ["StripePaymentMethodId"] = card.StripePaymentMethodId,
        ["Brand"] = card.Brand,
        ["Last4"] = card.Last4,
        ["ExpMonth"] = card.ExpMonth,
        ["ExpYear"] = card.ExpYear,
        ["Fingerprint"] = card.Fingerprint,
        ["Funding"] = card.Funding,
        ["StripeCustomerId"] = card.StripeCustomerId,
        ["StatusReason"] = card.StatusReason,
        ["Created"] = card.Created,
        ["Active"] = card.Active,
        ["Status"] = card.StoredStatus.ToWire(),
        ["CancelledAt"] = card.CancelledAt,
        ["DetachedAt"] = card.DetachedAt,
    };

    private static Card FromEntity(TableEntity e)
    {
        var shape = new Card
        {
            Id = e.RowKey,
            UserId = e.PartitionKey,
            StripePaymentMethodId = e.GetString("StripePaymentMethodId"),
            Brand = e.GetString("Brand"),
            Last4 = e.GetString("Last4"),
            ExpMonth = e.GetInt32("ExpMonth") ?? 0,
            ExpYear = e.GetInt32("ExpYear") ?? 0,
            Fingerprint = e.GetString("Fingerprint"),
            Funding = e.GetString("Funding"),
            StripeCustomerId = e.GetString("StripeCustomerId"),
            Created = e.GetDateTimeOffset("Created") ?? default,
        };
        var status = CardStatuses.TryParse(e.GetString("Status"), out var parsed) ? parsed : CardStatus.Error;
        return Card.Restore(shape, e.GetBoolean("Active") ?? false, status, e.GetDateTimeOffset("CancelledAt"), e.GetDateTimeOffset("DetachedAt"), e.GetString("StatusReason"));
    }
}
