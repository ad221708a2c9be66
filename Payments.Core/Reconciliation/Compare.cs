using System.Globalization;
using Payments.Core.Stripe;

namespace Payments.Core.Reconciliation;

/// <summary>One object to compare with Stripe, and the repairs the reconciler may make to it.</summary>
public interface IObjectCheck
{
    string ObjectType { get; }

    /// <summary>Every difference between our record and Stripe's, read now; none when the object is gone or never reached Stripe.</summary>
    Task<IReadOnlyList<Difference>> CompareAsync(string objectId, CancellationToken ct);

    /// <summary>Runs the safe repairs for these differences (<see cref="FindingKinds.RepairOf"/>); the caller compares again after.</summary>
    Task RepairAsync(string objectId, IReadOnlyList<Difference> differences, CancellationToken ct);
}

/// <summary>The comparisons both checks share, in Stripe's own figures.</summary>
internal static class Compare
{
    /// <summary>What Stripe still holds: only a requires_capture intent's amount_capturable can be captured or voided.</summary>
    public static long Held(PaymentIntentSnapshot intent) => intent.Status == "requires_capture" ? intent.AmountCapturable : 0;

    public static string Figure(long amount) => amount.ToString(CultureInfo.InvariantCulture);

    public static void Amount(List<Difference> found, string kind, string? part, long ours, long stripe, string what)
    {
        if (ours != stripe)
            found.Add(new Difference(kind, part, Figure(ours), Figure(stripe), $"{what}: ours {ours}, Stripe's {stripe}"));
    }

    /// <summary>Our refunds of one PaymentIntent (id → status) against Stripe's list of them.</summary>
    public static void Refunds(List<Difference> found, string paymentIntentId, IReadOnlyDictionary<string, string> ours, IReadOnlyList<RefundSnapshot> stripe)
    {
        foreach (var refund in stripe)
        {
            if (!ours.TryGetValue(refund.Id, out var status))
                found.Add(new Difference(FindingKinds.RefundUnrecorded, refund.Id, "none", $"{refund.Status} {refund.Amount}",
                    $"Stripe has refund {refund.Id} of {paymentIntentId} ({refund.Amount}, {refund.Status}) that we never made"));
            else if (status != refund.Status)
                found.Add(new Difference(FindingKinds.RefundStatus, refund.Id, status, refund.Status,
                    $"Refund {refund.Id} of {paymentIntentId} ({refund.Amount}): ours {status}, Stripe's {refund.Status}"));
        }
        foreach (var (id, status) in ours)
            if (stripe.All(r => r.Id != id))
                found.Add(new Difference(FindingKinds.RefundUnknownToStripe, id, status, "none", $"We recorded refund {id} of {paymentIntentId}; Stripe has no such refund"));
    }
}
