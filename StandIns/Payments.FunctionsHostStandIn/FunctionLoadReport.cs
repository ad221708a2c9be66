namespace Payments.FunctionsHostStandIn;

/// <summary>A function the worker could not load, with the exception it reported.</summary>
public sealed record FunctionLoadFailure(string FunctionName, string Error);

/// <summary>What the worker answered to one <c>FunctionLoadRequest</c> per function.</summary>
public sealed record FunctionLoadReport(int Total, IReadOnlyList<FunctionLoadFailure> Failures)
{
    public int Loaded => Total - Failures.Count;

    public string Summary => $"Functions: {Loaded} of {Total} loaded";

    /// <summary>The host refuses to run with a function that did not load; so does the stand-in.</summary>
    public void EnsureAllLoaded()
    {
        if (Total == 0)
            throw new FunctionsHostStandInException("Functions: the worker reported no functions.");
        if (Failures.Count > 0)
            throw new FunctionsHostStandInException(
                $"{Summary}. Failed:\n" + string.Join("\n", Failures.Select(f => $"  {f.FunctionName}: {f.Error}")));
    }
}
