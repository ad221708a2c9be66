namespace Payments.StripeEmulator;

/// <summary>One handled /v1 request, as <c>GET /_emulator/requests</c> reports it.</summary>
internal sealed record RequestRecord(string Method, string Path, string? IdempotencyKey, bool Replayed, int Status, string RequestId);
