namespace Payments.FunctionsHostStandIn;

/// <summary>The worker did not start, register, index or load as the host requires; the message says why.</summary>
public sealed class FunctionsHostStandInException : Exception
{
    public FunctionsHostStandInException()
    {
    }

    public FunctionsHostStandInException(string message) : base(message)
    {
    }

    public FunctionsHostStandInException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The worker process exited during start-up (the host starts such a worker again).</summary>
    public bool WorkerExited { get; init; }
}
