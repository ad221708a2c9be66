using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Payments.Core.Http;

/// <summary>
/// Reads a request body strictly: JSON only, bounded size, no unknown fields, no type coercion.
/// Errors name the offending field but never echo its value, which could be card data.
/// </summary>
public static partial class JsonBody
{
    public const int MaxBytes = 16 * 1024;

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = JsonNumberHandling.Strict,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
    };

    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken ct)
    {
        if (!IsJson(request.ContentType))
            throw ApiErrors.UnsupportedMediaType().ToException();
        if (request.ContentLength > MaxBytes)
            throw ApiErrors.BodyTooLarge(MaxBytes).ToException();

        var bytes = await ReadBoundedAsync(request.Body, ct);
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Options)
                ?? throw ApiErrors.MalformedJson(null).ToException();
        }
        catch (JsonException ex)
        {
            throw Describe(ex).ToException();
        }
    }

    /// <summary>
    /// For endpoints that take no body: one that is sent anyway is refused rather than ignored, as an
    /// unknown field would be, since the caller evidently meant something this route does not do.
    /// </summary>
    public static void RequireNone(HttpRequest request)
    {
        if (request.ContentLength > 0 || (request.ContentLength is null && request.Headers.ContainsKey("Transfer-Encoding")))
            throw new ApiError(400, "body_not_allowed", "This route takes no body.").ToException();
    }

    /// <summary>For endpoints whose body may be left out entirely (for example a full capture).</summary>
    public static Task<T> ReadOptionalAsync<T>(HttpRequest request, T whenEmpty, CancellationToken ct) =>
        request.ContentLength == 0 || (request.ContentLength is null && string.IsNullOrEmpty(request.ContentType) && !request.Headers.ContainsKey("Transfer-Encoding"))
            ? Task.FromResult(whenEmpty)
            : ReadAsync<T>(request, ct);

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static async Task<byte[]> ReadBoundedAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
                throw ApiErrors.BodyTooLarge(MaxBytes).ToException();
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    // System.Text.Json reports the path of the offending member; its messages are not a contract,
    // so we only look at them to tell an unknown member from a missing one.
    private static ApiError Describe(JsonException ex)
    {
        var field = FieldFromPath(ex.Path);
        if (ex.Message.Contains("could not be mapped", StringComparison.Ordinal))
            return ApiErrors.UnknownField(field ?? "$");
        if (MissingMembers().Match(ex.Message) is { Success: true } missing)
            return ApiErrors.MissingField(field is null ? missing.Groups[1].Value : $"{field}.{missing.Groups[1].Value}");
        return ApiErrors.MalformedJson(field);
    }

    private static string? FieldFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
            return null;
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    [GeneratedRegex("missing required properties including: '([^']+)'")]
    private static partial Regex MissingMembers();
}
