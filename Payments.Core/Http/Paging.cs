using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Payments.Core.Http;

/// <summary>
/// The query of a paged listing (bound with <c>[AsParameters]</c>): <c>limit</c> (1-100, default 20) and the
/// <c>continuation</c> a previous page returned. Kept as text so a bad value gets our 400, not the framework's.
/// </summary>
public sealed record PageQuery([FromQuery(Name = "limit")] string? Limit, [FromQuery(Name = "continuation")] string? Continuation)
{
    public static PageQuery From(HttpRequest request) => new(request.Query["limit"], request.Query["continuation"]);

    public int CheckedLimit() => Paging.Limit(Limit);

    public string? CheckedContinuation() => Paging.Continuation(Continuation);
}

public static class Paging
{
    public static int Limit(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
            return 20;
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 100
            ? limit
            : throw ApiErrors.Validation("limit", "limit is 1 to 100.").ToException();
    }

    public static string? Continuation(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
            return null;
        try
        {
            _ = System.Buffers.Text.Base64Url.DecodeFromChars(raw);
            return raw;
        }
        catch (FormatException)
        {
            throw ApiErrors.Validation("continuation", "continuation is the token a previous page returned.").ToException();
        }
    }
}
