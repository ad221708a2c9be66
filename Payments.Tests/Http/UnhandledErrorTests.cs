using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Payments.Core.Storage;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Http;

/// <summary>
/// An exception no handler expects (here: a stored purchase Core cannot read) answers the same
/// problem+json through either door (up to the request's own traceId), and says nothing of what
/// went wrong inside.
/// </summary>
public abstract class UnhandledErrorTests(DoorFixture fixture)
{
    public const string ExpectedBody =
        """{"type":"https://payments.dev/problems/internal_error","title":"An unexpected error occurred and was logged; retrying will not help until it is fixed.","status":500,"code":"internal_error"}""";

    [Fact]
    public async Task An_unhandled_exception_answers_500_internal_error_as_problem_json()
    {
        var user = PaymentsFixture.NewUserId();
        var id = $"pur_broken{Guid.NewGuid():n}";
        // A status no listing or sweep asks for (Azurite's filters also match rows without the property): only its owner reads it.
        await fixture.Door.Get<PaymentsStorage>().Table(TableNames.Purchases).AddEntityAsync(
            new TableEntity(user, id) { ["Quote"] = "null", ["CaptureMethod"] = "not-a-capture-method", ["Status"] = "not-a-status" });
        using var client = fixture.Door.ClientFor(user);

        var response = await client.GetAsync($"/api/me/purchases/{id}");

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.False(string.IsNullOrEmpty(body["traceId"]?.GetValue<string>()));
        body.Remove("traceId");
        Assert.Equal(ExpectedBody, body.ToJsonString());
    }
}

/// <summary>Through Payments.Host.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class UnhandledErrorThroughTheHost(PaymentsFixture fixture) : UnhandledErrorTests(fixture);

/// <summary>Through Payments.Functions under the real worker.</summary>
[Collection(FunctionsTestGroup.Name)]
public sealed class UnhandledErrorThroughFunctions(FunctionsFixture fixture) : UnhandledErrorTests(fixture);
