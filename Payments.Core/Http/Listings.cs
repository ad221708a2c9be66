namespace Payments.Core.Http;

/// <summary>A whole list: <c>{"data": [...]}</c>.</summary>
public sealed record Listing<T>(IReadOnlyList<T> Data);

/// <summary>One page of a list and the token for the next (<c>null</c> on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? Continuation);

public static class Listing
{
    public static Listing<T> Of<T>(IEnumerable<T> items) => new(items.ToList());

    public static Page<T> Page<T>(IEnumerable<T> items, string? continuation) => new(items.ToList(), continuation);
}
