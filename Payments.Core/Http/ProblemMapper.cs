using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Payments.Core.Http;

/// <summary>The one place where an <see cref="ApiError"/> becomes an HTTP answer.</summary>
public static class ProblemMapper
{
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
