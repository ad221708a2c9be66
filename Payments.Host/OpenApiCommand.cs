using Payments.Core.Http;

namespace Payments.Host;

/// <summary>
/// <c>Payments.Host openapi &lt;file&gt;</c>: writes the OpenAPI document the routes declare, without starting anything
/// (no storage, no Service Bus). The build runs it to keep <c>openapi/v1.json</c> current.
/// </summary>
public static class OpenApiCommand
{
    public static async Task<int> RunAsync(string path)
    {
        await using var app = PaymentsHostApp.Build(["--environment", "Production"]);
        var json = await OpenApiContract.JsonAsync(app.Services, CancellationToken.None);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Rewritten only when it changed, so an unchanged build leaves the file (and incremental builds) alone.
        if (!File.Exists(path) || await File.ReadAllTextAsync(path) != json)
            await File.WriteAllTextAsync(path, json);
        return 0;
    }
}
