using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.RunScript;

/// <summary>
/// ./run.sh's stores and the Stripe emulator must agree: the emulator starts empty every time, so
/// Azurite's data is wiped before Azurite starts unless --keep-data asks otherwise. (Running run.sh
/// itself would build and start everything; this reads the script, which is where the rule lives.)
/// </summary>
public sealed class RunScriptTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "run.sh"));

    private static int IndexOf(Func<string, bool> match) => Array.FindIndex(Lines, l => match(l.Trim()));

    [Fact]
    public void Azurite_data_is_wiped_before_azurite_starts_unless_keep_data_is_asked_for()
    {
        var wipe = IndexOf(l => l == "rm -rf .azurite");
        var start = IndexOf(l => l.StartsWith("node_modules/.bin/azurite", StringComparison.Ordinal));
        var guard = IndexOf(l => l == "if [ \"$keep_data\" = false ]; then");

        Assert.True(wipe >= 0, "run.sh wipes .azurite/");
        Assert.True(start > wipe, "the wipe comes before Azurite starts");
        Assert.Equal(guard + 1, wipe);
        Assert.Contains(Lines, l => l.Trim() == "--keep-data) keep_data=true ;;");
        Assert.Contains(Lines, l => l.Trim() == "keep_data=false");
    }
}
