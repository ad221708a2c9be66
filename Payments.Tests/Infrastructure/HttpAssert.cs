using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Payments.Tests.Infrastructure;

public static class HttpAssert
{
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static Task<JsonElement> ProblemAsync(HttpResponseMessage response, int status, string code, string? field = null) =>
        ProblemWithCodeAsync(response, status, code, field);

    /// <summary>Any stable code is accepted (several validation codes fit one case); the status and field must match.</summary>
    public static Task<JsonElement> ProblemForFieldAsync(HttpResponseMessage response, int status, string field) =>
        ProblemWithCodeAsync(response, status, null, field);

    private static async Task<JsonElement> ProblemWithCodeAsync(HttpResponseMessage response, int status, string? code, string? field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        if (code is null)
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("code").GetString()));
        else
            Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        if (field is not null)
            Assert.Equal(field, problem.GetProperty("field").GetString());
        return problem;
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string body, string contentType = "application/json") =>
        client.PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, contentType));

    /// <summary>Polls until the condition holds: for effects of background handlers.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return;
            await Task.Delay(100);
        }
        Assert.Fail($"Timed out waiting for: {what}");
    }
}
