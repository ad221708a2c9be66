using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Core.Catalog;
using Payments.Core.Http;
using Payments.Core.Purchases;
using Payments.Core.Storage;

namespace Payments.Core.Invoices;

public sealed record CreateInvoiceRequest(string? Title = null) : IOptionalRequest<CreateInvoiceRequest>
{
    public static CreateInvoiceRequest WhenEmpty { get; } = new();
}

public sealed record SetInvoiceItemsRequest(IReadOnlyList<CartItem> Items);

public sealed record CheckoutInvoiceRequest(string Mode, ShippingAddress ShippingAddress);

/// <summary>The shared cart: open it, join it, fill it, and check it out (organiser).</summary>
public sealed partial class InvoiceService(
    InvoiceStore store, InvoicePricing pricing, IOptions<InvoiceOptions> options, TimeProvider clock, ILogger<InvoiceService> logger)
{
    public const int MaxTitleLength = 200;

    public async Task<Invoice> CreateAsync(Caller caller, CreateInvoiceRequest request, CancellationToken ct)
    {
        if (request.Title is { Length: > MaxTitleLength })
            throw ApiErrors.Validation("title", $"title is at most {MaxTitleLength} characters.").ToException();
        var invoice = Invoice.Open(InvoiceStore.NewId(), caller.UserId, caller.Email, request.Title, clock.GetUtcNow(), options.Value.Deadline);
        await store.CreateAsync(invoice, ct);
        LogCreated(logger, invoice.Id, caller.UserId);
        return invoice;
    }

    /// <summary>Members only: anyone else reads the invoice as missing.</summary>
    public async Task<Invoice> GetForMemberAsync(Caller caller, string invoiceId, CancellationToken ct)
    {
        var invoice = await store.GetAsync(invoiceId, ct);
        return invoice.IsMember(caller.UserId) ? invoice : throw InvoiceErrors.NotFound().ToException();
    }

    /// <summary>Anyone with the invoice id may join while it is open; joining twice is harmless.</summary>
    public async Task<(Invoice Invoice, bool Joined)> JoinAsync(Caller caller, string invoiceId, CancellationToken ct)
    {
        var joined = false;
        var invoice = await store.MutateAsync(invoiceId, i => joined = i.Join(caller.UserId, caller.Email, options.Value.MaxMembers, clock.GetUtcNow()), ct);
        // Also when already a member: repairs an index row a crash left out.
        await store.IndexAsync(caller.UserId, invoiceId, caller.UserId == invoice.OrganiserId ? "organiser" : "member", invoice.Member(caller.UserId)!.JoinedAt, ct);
        if (joined)
            LogJoined(logger, invoiceId, caller.UserId);
        return (invoice, joined);
    }

    /// <summary>Replaces the caller's own items while the invoice is open; the server prices them.</summary>
    public async Task<Invoice> SetItemsAsync(Caller caller, string invoiceId, SetInvoiceItemsRequest request, CancellationToken ct)
    {
        if (request.Items.Count > 0)
            CartRules.Validate(request.Items);
        var current = await GetForMemberAsync(caller, invoiceId, ct);
        current.RequireOpen(); // before any catalog lookup
        var lines = request.Items.Count == 0 ? [] : (await pricing.PriceItemsAsync(request.Items, ct)).Lines;
        return await store.MutateAsync(invoiceId, i =>
        {
            i.SetItems(caller.UserId, lines, clock.GetUtcNow());
            return true;
        }, ct);
    }

    /// <summary>Prices the whole cart once and locks it; the shares are fixed from here on.</summary>
    public async Task<Invoice> CheckOutAsync(Caller caller, string invoiceId, CheckoutInvoiceRequest request, CancellationToken ct)
    {
        var mode = ParseMode(request.Mode);
        ValidateAddress(request.ShippingAddress);
        var address = request.ShippingAddress with { Country = request.ShippingAddress.Country.ToUpperInvariant() };
        var checkedOut = await Optimistic.MutateAsync<PricedCheckout>(
            async token =>
            {
                var stored = await store.FindAsync(invoiceId, token);
                if (stored is null || !stored.Invoice.IsMember(caller.UserId))
                    return null;
                stored.Invoice.RequireOrganiser(caller.UserId);
                // The same checkout again: the organiser's retry after a lost answer, or this request's own write read back
                // after a storage retry whose answer was lost. Its answer, not a conflict with itself.
                if (stored.Invoice.Status == InvoiceStatus.CheckedOut && stored.Invoice.Header.Mode == mode && stored.Invoice.Header.ShippingAddress == address)
                    return (new PricedCheckout(stored, null), stored.ETag);
                stored.Invoice.RequireOpen();
                var priced = await pricing.PriceAsync(stored.Invoice, mode, address.Country, token);
                return (new PricedCheckout(stored, priced), stored.ETag);
            },
            x =>
            {
                if (x.Priced is null)
                    return null;
                x.Stored.Invoice.CheckOut(caller.UserId, mode, address, x.Priced, clock.GetUtcNow());
                return x;
            },
            (x, _, token) => store.SaveAsync(x.Stored, token),
            ct) ?? throw InvoiceErrors.NotFound().ToException();
        if (checkedOut.Priced is { Totals: var totals })
            LogCheckedOut(logger, invoiceId, mode, totals.Total, totals.Currency);
        return checkedOut.Stored.Invoice;
    }

    /// <summary>The organiser checked the funded cart out with the shop.</summary>
    public async Task<Invoice> MarkOrderedAsync(Caller caller, string invoiceId, CancellationToken ct)
    {
        await GetForMemberAsync(caller, invoiceId, ct);
        return await store.MutateAsync(invoiceId, i =>
        {
            i.MarkOrdered(caller.UserId, clock.GetUtcNow());
            return true;
        }, ct);
    }

    public async Task<Invoice> ShipAsync(Caller caller, string invoiceId, ShipmentRequest request, CancellationToken ct)
    {
        await GetForMemberAsync(caller, invoiceId, ct);
        return await store.MutateAsync(invoiceId, i =>
        {
            i.Ship(caller.UserId, request.Carrier, request.TrackingNumber, clock.GetUtcNow());
            return true;
        }, ct);
    }

    public async Task<IReadOnlyList<InvoiceSummary>> ListMineAsync(Caller caller, CancellationToken ct)
    {
        var found = new List<InvoiceSummary>();
        foreach (var membership in (await store.ListForUserAsync(caller.UserId, ct)).Take(100))
            if (await store.FindAsync(membership.InvoiceId, ct) is { } stored && stored.Invoice.IsMember(caller.UserId))
                found.Add(InvoiceSummary.For(stored.Invoice, caller.UserId));
        return found;
    }

    private static PaymentMode ParseMode(string? mode) =>
        InvoiceWire.TryParse<PaymentMode>(mode, out var parsed)
            ? parsed
            : throw ApiErrors.Validation("mode", "mode is each, organiser or split.").ToException();

    private static void ValidateAddress(ShippingAddress a)
    {
        Require("shippingAddress.name", a.Name, 1, 200);
        Require("shippingAddress.line1", a.Line1, 1, 200);
        Require("shippingAddress.city", a.City, 1, 100);
        Require("shippingAddress.postalCode", a.PostalCode, 1, 20);
        if (a.Line2 is { Length: > 200 })
            throw ApiErrors.Validation("shippingAddress.line2", "line2 is at most 200 characters.").ToException();
        if (a.State is { Length: > 100 })
            throw ApiErrors.Validation("shippingAddress.state", "state is at most 100 characters.").ToException();
        if (a.Country is not { Length: 2 } || !a.Country.All(char.IsAsciiLetter))
            throw ApiErrors.Validation("shippingAddress.country", "country is a two-letter ISO code such as US.").ToException();
    }

    private static void Require(string field, string? value, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length < min || value.Length > max)
            throw ApiErrors.Validation(field, $"{field} is {min}-{max} characters.").ToException();
    }

    /// <param name="Priced">Null when the invoice was checked out already, the same way (nothing to write).</param>
    private sealed record PricedCheckout(StoredInvoice Stored, PricedInvoice? Priced);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Invoice {InvoiceId} opened by {UserId}")]
    private static partial void LogCreated(ILogger logger, string invoiceId, string userId);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "User {UserId} joined invoice {InvoiceId}")]
    private static partial void LogJoined(ILogger logger, string invoiceId, string userId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Invoice {InvoiceId} checked out ({Mode}): {Total} {Currency}")]
    private static partial void LogCheckedOut(ILogger logger, string invoiceId, PaymentMode mode, long total, string currency);
}
