namespace Payments.Core.Cards;

public enum CardStatus { Live, Expired, Cancelled, Error, FailChecks }

public static class CardStatuses
{
    public static string ToWire(this CardStatus status) => status switch
    {
        CardStatus.Live => "live",
        CardStatus.Expired => "expired",
        CardStatus.Cancelled => "cancelled",
        CardStatus.Error => "error",
        CardStatus.FailChecks => "fail_checks",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? wire, out CardStatus status) => WireNames.TryParse(wire, ToWire, out status);
}
