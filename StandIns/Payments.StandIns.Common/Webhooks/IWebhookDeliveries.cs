namespace Payments.StandIns.Common.Webhooks;

/// <summary>What <c>POST /_emulator/webhook_delivery/flush</c> asks of a deliverer.</summary>
public interface IWebhookDeliveries
{
    /// <summary>
    /// Waits until nothing is queued, in flight or waiting for a retry, up to <paramref name="timeout"/>; answers at
    /// once while paused (nothing would move). Answers what is left.
    /// </summary>
    Task<(int Pending, bool Paused)> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
