using Payments.Core.Cards;
using Payments.Core.Stripe;
using Xunit;

namespace Payments.Tests.Cards;

public sealed class CardRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static StripePaymentMethod Visa(int expMonth = 12, int expYear = 2030, string? cvc = "pass", string? zip = null, string? line1 = null) =>
        new("pm_1", "card", "cus_1", new StripeCard("visa", "4242", expMonth, expYear, "fp123", "credit", cvc, zip, line1));

    [Fact]
    public void A_card_with_passing_or_unchecked_checks_is_live()
    {
        Assert.Equal(CardStatus.Live, Card.FromStripe("card_a", "u", Visa(cvc: "pass"), Now).StatusAt(Now));
        Assert.Equal(CardStatus.Live, Card.FromStripe("card_a", "u", Visa(cvc: "unchecked", zip: "unavailable"), Now).StatusAt(Now));
        Assert.Equal(CardStatus.Live, Card.FromStripe("card_a", "u", Visa(cvc: null), Now).StatusAt(Now));
    }

    [Theory]
    [InlineData("fail", null, null)]
    [InlineData("pass", "fail", null)]
    [InlineData(null, null, "fail")]
    public void A_failed_cvc_postal_code_or_address_check_is_fail_checks(string? cvc, string? zip, string? line1)
    {
        var card = Card.FromStripe("card_a", "u", Visa(cvc: cvc, zip: zip, line1: line1), Now);
        Assert.Equal(CardStatus.FailChecks, card.StatusAt(Now));
        Assert.False(card.IsUsableAt(Now));
        Assert.True(card.Active);
    }

    [Fact]
    public void A_card_is_good_through_the_last_moment_of_its_expiry_month()
    {
        var card = Card.FromStripe("card_a", "u", Visa(expMonth: 11, expYear: 2026), Now);
        Assert.Equal(CardStatus.Live, card.StatusAt(new DateTimeOffset(2026, 11, 30, 23, 59, 59, TimeSpan.Zero)));
        Assert.Equal(CardStatus.Expired, card.StatusAt(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.False(card.IsUsableAt(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void December_expiry_rolls_into_the_next_year()
    {
        var card = Card.FromStripe("card_a", "u", Visa(expMonth: 12, expYear: 2026), Now);
        Assert.Equal(CardStatus.Live, card.StatusAt(new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero)));
        Assert.Equal(CardStatus.Expired, card.StatusAt(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Cancelling_is_a_soft_delete_that_wins_over_expiry_and_is_idempotent()
    {
        var card = Card.FromStripe("card_a", "u", Visa(expMonth: 1, expYear: 2020), Now);
        card.Cancel(Now);
        var firstCancel = card.CancelledAt;
        card.Cancel(Now.AddDays(1));

        Assert.False(card.Active);
        Assert.Equal(CardStatus.Cancelled, card.StatusAt(Now));
        Assert.Equal(firstCancel, card.CancelledAt);
        Assert.True(card.NeedsDetach);
    }

    [Fact]
    public void Only_a_removed_card_can_be_marked_detached()
    {
        var card = Card.FromStripe("card_a", "u", Visa(), Now);
        Assert.Throws<InvalidOperationException>(() => card.MarkDetached(Now));
        card.Cancel(Now);
        card.MarkDetached(Now);
        Assert.False(card.NeedsDetach);
        Assert.Equal(Now, card.DetachedAt);
    }

    [Fact]
    public void A_payment_method_without_a_fingerprint_cannot_become_a_card()
    {
        var pm = new StripePaymentMethod("pm_1", "card", null, new StripeCard("visa", "4242", 1, 2030, null, "credit", null, null, null));
        Assert.Throws<ArgumentException>(() => Card.FromStripe("card_a", "u", pm, Now));
    }

    [Theory]
    [InlineData("live", CardStatus.Live)]
    [InlineData("fail_checks", CardStatus.FailChecks)]
    [InlineData("cancelled", CardStatus.Cancelled)]
    public void Status_names_round_trip(string wire, CardStatus status)
    {
        Assert.True(CardStatuses.TryParse(wire, out var parsed));
        Assert.Equal(status, parsed);
        Assert.Equal(wire, status.ToWire());
        Assert.False(CardStatuses.TryParse("Live", out _));
    }
}
