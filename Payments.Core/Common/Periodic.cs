namespace Payments.Core;

/// <summary>
/// Runs a piece of upkeep now and then every interval until the host stops; a failed run is
/// reported and the next tick tries again. For hosted services (Functions use timer triggers).
/// </summary>
public static class Periodic
{
    public static async Task RunAsync(TimeSpan interval, Func<CancellationToken, Task> work, Action<Exception> onFailure, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await work(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                onFailure(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(ct));
    }
}
