using System.Diagnostics;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Functions;

/// <summary>A Functions build against the stand-in Service Bus extension must never reach Azure: publishing it fails.</summary>
public sealed class PublishRefusalTests
{
    [Fact]
    public async Task Publishing_a_build_made_with_the_stand_in_extension_fails_with_PAYFN001()
    {
        var output = Path.Combine(Path.GetTempPath(), $"payfn-{Guid.NewGuid():n}");
        var project = Path.Combine(RepoPaths.Root, "Payments.Functions", "Payments.Functions.csproj");
        // --no-build: the refusal comes before anything is built or copied (the tests' own build stays untouched).
        var start = new ProcessStartInfo("dotnet", ["publish", project, "--no-build", "--nologo", "-p:PaymentsServiceBusExtensionStandIn=true", "-o", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var publish = Process.Start(start)!;
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync();
        var said = await stdout + await stderr;

        Assert.NotEqual(0, publish.ExitCode);
        Assert.Contains("error PAYFN001", said, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "nothing was published");
    }
}
