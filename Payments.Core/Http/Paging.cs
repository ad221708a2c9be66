using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Payments.Core.Http;

/// <summary>The query of a paged listing: <c>limit</c> (1-100, default 20) and the <c>continuation</c> a previous page returned.</summary>
public static class Paging
{
    public static int Limit(HttpRequest request)
    {
        var raw = request.Query["limit"].ToString();
        if (raw.Length == 0)
            return 20;
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 100
            ? limit
            : throw ApiErrors.Validation("limit", "limit is 1 to 100.").ToException();
    }

    public static string? Continuation(HttpRequest request)
    {
        var raw = request.Query["continuation"].ToString();
        if (raw.Length == 0)
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
