using System.Reflection;

namespace Payments.StandIns.Testing;

/// <summary>
/// The repository's paths, from the assembly metadata of the project that compiles this file
/// (RepoRoot; FunctionsAppDirectory where the project builds Payments.Functions).
/// </summary>
public static class RepoPaths
{
    public static string Root { get; } = Path.GetFullPath(Metadata("RepoRoot"));

    public static string Metadata(string key) =>
        typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"No assembly metadata {key}.");
}
