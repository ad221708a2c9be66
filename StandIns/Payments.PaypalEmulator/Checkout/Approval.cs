namespace Payments.PaypalEmulator;

/// <summary>The payer's part at PayPal: approving an order (with a funding choice) or cancelling, shared by the page and the control API.</summary>
internal static class Approval
{
    /// <summary>Why an order cannot be approved now, or null when it can.</summary>
    public static string? Refusal(EmulatorState state, Order order) =>
        order.IsExpired(state.Clock.Now) ? "This order has expired: start again from the shop."
        : order.IsOpen ? null
        : "This order has already been paid.";

    /// <summary>
    /// The payer approves: APPROVED, the payer recorded, CHECKOUT.ORDER.APPROVED. An APPROVED order may be approved
    /// again (after INSTRUMENT_DECLINED the payer comes back to choose other funding). Caller holds the lock and
    /// checked <see cref="Refusal"/>.
    /// </summary>
    public static void Approve(EmulatorState state, Order order, Funding funding, Payer? payer)
    {
        order.Payer = payer ?? order.Payer ?? new Payer(Ids.Payer(), $"sb-buyer-{Ids.Resource()[..8].ToLowerInvariant()}@personal.example.com", "John", "Doe", "US");
        order.Funding = funding;
        order.Status = "APPROVED";
        order.UpdateTime = state.Clock.Now;
        state.Emit("CHECKOUT.ORDER.APPROVED", "checkout-order", "An order has been approved by buyer", Render.Order(state, order));
    }

    /// <summary>Where the browser goes after approval: return_url with <c>token</c> and <c>PayerID</c> added.</summary>
    public static string? ReturnRedirect(Order order) =>
        order.ReturnUrl is { } url ? Append(url, $"token={Uri.EscapeDataString(order.Id)}&PayerID={Uri.EscapeDataString(order.Payer!.PayerId)}") : null;

    /// <summary>Where the browser goes on cancel: cancel_url with <c>token</c>. The order itself does not change.</summary>
    public static string? CancelRedirect(Order order) =>
        order.CancelUrl is { } url ? Append(url, $"token={Uri.EscapeDataString(order.Id)}") : null;

    private static string Append(string url, string query)
    {
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var fragment = hash >= 0 ? url[hash..] : "";
        var path = hash >= 0 ? url[..hash] : url;
        return path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query + fragment;
    }
}
