namespace Payments.StripeEmulator;

/// <summary>/v1/events (list; Payments never retrieves one by id): the events the emulator emitted (see <see cref="EventLog"/>), newest first.</summary>
internal static class Events
{
    private static readonly HashSet<string> ListParams =
        ["created", "delivery_success", "ending_before", "expand", "limit", "starting_after", "type", "types"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/events", List);
    }

    private static StripeResult List(StripeParams p, EmulatorState state)
    {
        p.AllowOnly(ListParams);
        var type = p.GetString("type") is { Length: > 0 } t ? t : null;
        var types = p.GetStringList("types");
        if (type is not null && types.Count > 0)
        {
            throw StripeErrors.InvalidRequest("You may only specify one of these parameters: type, types.", "type", "parameters_exclusive");
        }

        var patterns = type is not null ? [type] : types;
        var created = p.GetTimeFilter("created");
        var deliverySuccess = p.GetBool("delivery_success");
        lock (state.Sync)
        {
            var matching = state.Events.NewestFirst()
                .Where(e => patterns.Count == 0 || patterns.Any(pattern => Matches(pattern, (string)e["type"]!)))
                .Where(e => created is null || created((long)e["created"]!))
                // Stripe: false lists events some endpoint has not received yet (pending, failing, given up, dropped).
                .Where(e => deliverySuccess is null || deliverySuccess == ((int)e["pending_webhooks"]! == 0));
            var (page, hasMore) = Json.Paginate(p, matching);
            return StripeResult.Ok(Json.RenderList(state, "/v1/events", page, hasMore, p.Expand));
        }
    }

    /// <summary>Stripe's type filter: an exact type, or a prefix ending in <c>*</c> (<c>payment_intent.*</c>).</summary>
    private static bool Matches(string pattern, string type) =>
        pattern.EndsWith('*')
            ? type.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : string.Equals(pattern, type, StringComparison.Ordinal);
}
