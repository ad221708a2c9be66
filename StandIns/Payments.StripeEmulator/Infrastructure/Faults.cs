using Payments.StandIns.Common;

namespace Payments.StripeEmulator;

/// <summary>When an injected failure strikes, which decides what Stripe's idempotency layer keeps of it.</summary>
internal enum FaultPhase
{
    /// <summary>Before the endpoint runs (an overloaded edge, a lost connection): nothing happens, nothing is saved.</summary>
    BeforeExecution,
    /// <summary>The endpoint started and failed without its side effect: the error is saved under the key.</summary>
    DuringExecution,
    /// <summary>The side effect happened, then the answer failed: the error is saved under the key.</summary>
    AfterExecution,
}

/// <summary>
/// An injected failure: the next <see cref="Remaining"/> /v1 requests matching the method and
/// path prefix fail with <see cref="Status"/> at <see cref="Phase"/>.
/// </summary>
/// <remarks>A <see cref="DelayMs"/> makes the request wait first; with <see cref="Status"/> 0 it only waits (a slow Stripe).</remarks>
internal sealed record Fault(
    string? Method, string? PathPrefix, int Status, int Remaining, string? Message, FaultPhase Phase = FaultPhase.BeforeExecution, int DelayMs = 0)
    : IInjectedFault<Fault>
{
    public bool Matches(string method, string path, FaultPhase phase) =>
        phase == Phase && FaultTargets.Match(Method, PathPrefix, method, path);

    public Fault UsedOnce() => this with { Remaining = Remaining - 1 };
}

/// <summary>Faults that strike once the endpoint runs (inside idempotency, so their errors are saved like Stripe's).</summary>
internal sealed class FaultFilter(EmulatorState state) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var method = http.Request.Method;
        var path = http.Request.Path.Value ?? "/";
        if (state.Faults.Take(f => f.Matches(method, path, FaultPhase.DuringExecution)) is { } during)
        {
            await Task.Delay(during.DelayMs, http.RequestAborted);
            if (during.Status != 0)
            {
                throw StripeErrors.Fault(during.Status, during.Message);
            }
        }

        var result = await next(context);
        return state.Faults.Take(f => f.Matches(method, path, FaultPhase.AfterExecution)) is { } after
            ? StripeErrors.Fault(after.Status, after.Message).ToResult()
            : result;
    }
}
