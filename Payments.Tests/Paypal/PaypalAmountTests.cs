using Payments.Core;
using Payments.Core.Paypal;
using Xunit;

namespace Payments.Tests.Paypal;

/// <summary>Our minor units and PayPal's decimal strings, exactly, both ways (docs/paypal.md, "Money").</summary>
public sealed class PaypalAmountTests
{
    [Theory]
    [InlineData(1999L, "USD", "19.99")]
    [InlineData(5L, "USD", "0.05")]
    [InlineData(0L, "USD", "0.00")]
    [InlineData(100L, "EUR", "1.00")]
    [InlineData(123456789L, "EUR", "1234567.89")]
    [InlineData(500L, "JPY", "500")]
    [InlineData(1L, "JPY", "1")]
    [InlineData(150000L, "HUF", "1500")]
    [InlineData(100L, "TWD", "1")]
    [InlineData(-250L, "USD", "-2.50")]
    [InlineData(-7L, "JPY", "-7")]
    public void Our_minor_units_become_paypals_exact_value_and_come_back_unchanged(long minor, string currency, string value)
    {
        var amount = PaypalAmount.From(new Money(minor, currency));

        Assert.Equal(new PaypalAmount(currency, value), amount);
        Assert.Equal(new Money(minor, currency), amount.ToMoney());
    }

    [Fact]
    public void The_extremes_of_a_long_convert_without_floating_point()
    {
        Assert.Equal("92233720368547758.07", PaypalAmount.From(long.MaxValue, "USD").Value);
        Assert.Equal("-92233720368547758.08", PaypalAmount.From(long.MinValue, "USD").Value);
        Assert.Equal(long.MaxValue, PaypalAmount.Parse("USD", "92233720368547758.07"));
        Assert.Equal(long.MaxValue, PaypalAmount.Parse("JPY", "9223372036854775807"));
    }

    [Theory]
    [InlineData("USD", "10", 1000L)]
    [InlineData("USD", "10.5", 1050L)]
    [InlineData("USD", ".5", 50L)]
    [InlineData("USD", "007.10", 710L)]
    [InlineData("USD", "-0.01", -1L)]
    [InlineData("EUR", "0.99", 99L)]
    [InlineData("JPY", "1500", 1500L)]
    [InlineData("HUF", "1500", 150000L)]
    [InlineData("TWD", "30", 3000L)]
    public void Paypals_values_in_any_shape_its_pattern_allows_are_read_exactly(string currency, string value, long minor) =>
        Assert.Equal(minor, PaypalAmount.Parse(currency, value));

    [Theory]
    [InlineData("USD", "10.505")] // more decimals than PayPal allows
    [InlineData("EUR", "0.001")]
    [InlineData("JPY", "500.5")]
    [InlineData("JPY", "500.0")] // no decimals at all, even zeros
    [InlineData("HUF", "1500.00")]
    [InlineData("TWD", "1.5")]
    [InlineData("USD", "")]
    [InlineData("USD", null)]
    [InlineData("USD", "1.")]
    [InlineData("USD", "-")]
    [InlineData("USD", "+1.00")]
    [InlineData("USD", " 1.00")]
    [InlineData("USD", "1,00")]
    [InlineData("USD", "1e3")]
    [InlineData("USD", "--1")]
    [InlineData("USD", "1.2.3")]
    [InlineData("USD", "١٢")] // Arabic-Indic digits are digits to char.IsDigit, not to PayPal
    [InlineData("USD", "92233720368547758.08")] // one cent past long.MaxValue
    [InlineData("JPY", "99999999999999999999")]
    [InlineData("USD", "123456789012345678901234567890.12")] // past PayPal's 32 characters
    public void A_value_that_cannot_be_counted_exactly_is_refused_never_rounded(string currency, string? value) =>
        Assert.Throws<PaypalAmountException>(() => PaypalAmount.Parse(currency, value));

    [Theory]
    [InlineData(150050L, "HUF")] // 1500.50 forints: PayPal takes whole forints only
    [InlineData(1L, "TWD")]
    [InlineData(-99L, "HUF")]
    public void A_HUF_or_TWD_amount_with_hundredths_is_refused_since_PayPal_takes_whole_units_only(long minor, string currency)
    {
        Assert.Equal(2, Currencies.MinorDigits(currency)); // ISO and our Money count hundredths
        Assert.Equal(0, PaypalAmount.DecimalsOf(currency));
        Assert.Equal(100L, PaypalAmount.MinorUnitsPerPaypalUnit(currency));
        Assert.Throws<PaypalAmountException>(() => PaypalAmount.From(minor, currency));
    }

    [Theory]
    [InlineData("KRW")] // we sell in it (Stripe), PayPal does not take it
    [InlineData("ZAR")]
    [InlineData("usd")] // PayPal's codes are upper case
    [InlineData("XXX")]
    public void A_currency_PayPal_does_not_take_is_refused_both_ways(string currency)
    {
        Assert.False(PaypalAmount.Supports(currency));
        Assert.Throws<PaypalAmountException>(() => PaypalAmount.From(100, currency));
        Assert.Throws<PaypalAmountException>(() => PaypalAmount.Parse(currency, "1"));
    }

    [Fact]
    public void Every_currency_PayPal_takes_converts_with_our_minor_units_and_round_trips()
    {
        Assert.Equal(24, PaypalAmount.SupportedCurrencies.Count);
        foreach (var currency in PaypalAmount.SupportedCurrencies)
        {
            var step = PaypalAmount.MinorUnitsPerPaypalUnit(currency);
            Assert.True(step is 1 or 100, currency);
            foreach (var minor in new[] { step, 12_345 * step, 1_000_000 * step })
                Assert.Equal(minor, PaypalAmount.From(minor, currency).ToMoney().Amount);
        }
    }

    [Fact]
    public void Any_amount_round_trips_in_every_currency_PayPal_takes()
    {
        var random = new Random(18);
        foreach (var currency in PaypalAmount.SupportedCurrencies)
        {
            var step = PaypalAmount.MinorUnitsPerPaypalUnit(currency);
            for (var i = 0; i < 500; i++)
            {
                var minor = random.NextInt64(-1_000_000_000_000, 1_000_000_000_000) / step * step;
                var value = PaypalAmount.From(minor, currency).Value;
                Assert.Equal(minor, PaypalAmount.Parse(currency, value));
                Assert.Equal(PaypalAmount.DecimalsOf(currency), value.Contains('.', StringComparison.Ordinal) ? value.Length - value.IndexOf('.', StringComparison.Ordinal) - 1 : 0);
            }
        }
    }
}
