using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Payments.Core.Http;

/// <summary>The one place where an <see cref="ApiError"/> becomes an HTTP answer.</summary>
public static class ProblemMapper
{
    /// <summary>The same problem as JSON text, for answers that are stored and replayed.</summary>
    public static StoredResponse Stored(ApiError error)
    {
        var body = new Dictionary<string, object?>
        {
            ["type"] = $"https://payments.dev/problems/{error.Code}",
            ["title"] = error.Title,
            ["status"] = error.Status,
            ["code"] = error.Code,
        };
        if (error.Field is not null)
            body["field"] = error.Field;
        foreach (var (key, value) in error.Extensions)
            body[key] = value;
        return new StoredResponse(error.Status, "application/problem+json", System.Text.Json.JsonSerializer.Serialize(body, JsonBody.Options));
    }

    public static IResult ToResult(StoredResponse response) =>
        Results.Text(response.Body, response.ContentType, System.Text.Encoding.UTF8, response.Status);

    public static IResult ToResult(ApiError error)
    {
        var problem = new ProblemDetails
        {
            Status = error.Status,
            Title = error.Title,
            Type = $"https://payments.dev/problems/{error.Code}",
        };
        problem.Extensions["code"] = error.Code;
        if (error.Field is not null)
            problem.Extensions["field"] = error.Field;
        foreach (var (key, value) in error.Extensions)
            problem.Extensions[key] = value;
        return TypedResults.Problem(problem);
    }
}
