namespace Payments.StandIns.Common;

/// <summary>
/// A failure injected through <c>POST /_emulator/faults</c> that strikes the next <see cref="Remaining"/> matching
/// requests. Each emulator has its own record (its phases, its fields, its JSON), implementing this.
/// </summary>
public interface IInjectedFault<TSelf>
    where TSelf : IInjectedFault<TSelf>
{
    int Remaining { get; }

    /// <summary>This fault with one use fewer.</summary>
    TSelf UsedOnce();
}

/// <summary>Which requests a fault targets: the part every emulator's faults share.</summary>
public static class FaultTargets
{
    /// <summary>
    /// Whether a fault for <paramref name="method"/> (empty or <c>*</c>: any) and <paramref name="pathPrefix"/> (empty:
    /// any) targets this request.
    /// </summary>
    public static bool Match(string? method, string? pathPrefix, string requestMethod, string requestPath) =>
        (string.IsNullOrEmpty(method) || method == "*" || string.Equals(method, requestMethod, StringComparison.OrdinalIgnoreCase))
        && (string.IsNullOrEmpty(pathPrefix) || requestPath.StartsWith(pathPrefix, StringComparison.Ordinal));
}

/// <summary>The injected faults, oldest first: the first that matches a request is the one that strikes.</summary>
public sealed class FaultStore<TFault> : SnapshotList<TFault>
    where TFault : class, IInjectedFault<TFault>
{
    /// <summary>Consumes one use of the first fault <paramref name="matches"/> accepts, if any; answers it as it was.</summary>
    public TFault? Take(Func<TFault, bool> matches)
    {
        lock (Sync)
        {
            for (var index = 0; index < Items.Count; index++)
            {
                var fault = Items[index];
                if (!matches(fault))
                {
                    continue;
                }

                if (fault.Remaining <= 1)
                {
                    Items.RemoveAt(index);
                }
                else
                {
                    Items[index] = fault.UsedOnce();
                }

                return fault;
            }

            return null;
        }
    }
}
