using System.Text;
using Payments.Core.Webhooks;
using Xunit;

namespace Payments.Tests.Webhooks;

public sealed class StripeSignatureTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_795_000_000);
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(300);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"invoice.paid","created":1795000000}""");

    [Fact]
    public void A_signature_made_with_the_secret_verifies_and_matches_stripe_nets_check()
    {
        var header = StripeSignature.Sign(Body, "whsec_a", Now);
        Assert.True(StripeSignature.IsValid(Body, header, ["whsec_a"], Now, Tolerance));
        // Stripe.net's own verifier agrees with our signing (so our verifier is checked against Stripe's scheme, not itself).
        var parsed = global::Stripe.EventUtility.ParseEvent(Encoding.UTF8.GetString(Body), throwOnApiVersionMismatch: false);
        Assert.Equal("evt_1", parsed.Id);
        global::Stripe.EventUtility.ValidateSignature(Encoding.UTF8.GetString(Body), header, "whsec_a", tolerance: long.MaxValue / 4);
    }

    [Fact]
    public void Either_secret_verifies_during_rotation_and_any_v1_may_match()
    {
        var old = StripeSignature.Sign(Body, "whsec_old", Now);
        Assert.True(StripeSignature.IsValid(Body, old, ["whsec_new", "whsec_old"], Now, Tolerance));
        var both = $"{old},v1={new string('0', 64)}";
        Assert.True(StripeSignature.IsValid(Body, both, ["whsec_old"], Now, Tolerance));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void A_timestamp_outside_the_tolerance_either_way_fails(int skewSeconds) =>
        Assert.False(StripeSignature.IsValid(Body, StripeSignature.Sign(Body, "whsec_a", Now.AddSeconds(skewSeconds)), ["whsec_a"], Now, Tolerance));

    [Theory]
    [InlineData(-299)]
    [InlineData(299)]
    public void A_timestamp_inside_the_tolerance_passes(int skewSeconds) =>
        Assert.True(StripeSignature.IsValid(Body, StripeSignature.Sign(Body, "whsec_a", Now.AddSeconds(skewSeconds)), ["whsec_a"], Now, Tolerance));

    [Fact]
    public void A_tampered_body_a_wrong_secret_or_a_malformed_header_fails()
    {
        var header = StripeSignature.Sign(Body, "whsec_a", Now);
        var tampered = Body.ToArray();
        tampered[^3] ^= 1;
        Assert.False(StripeSignature.IsValid(tampered, header, ["whsec_a"], Now, Tolerance));
        Assert.False(StripeSignature.IsValid(Body, header, ["whsec_b"], Now, Tolerance));
        Assert.False(StripeSignature.IsValid(Body, header, [], Now, Tolerance));
        Assert.False(StripeSignature.IsValid(Body, null, ["whsec_a"], Now, Tolerance));
        Assert.False(StripeSignature.IsValid(Body, "t=abc,v1=zz", ["whsec_a"], Now, Tolerance));
        Assert.False(StripeSignature.IsValid(Body, header.Split(',')[0], ["whsec_a"], Now, Tolerance));
        Assert.False(StripeSignature.IsValid(Body, header.Replace("v1=", "v0=", StringComparison.Ordinal), ["whsec_a"], Now, Tolerance));
    }

    [Fact]
    public void The_envelope_routes_payment_and_charge_events_by_their_payment_intent()
    {
        var charge = StripeEventEnvelope.TryParse(Encoding.UTF8.GetBytes(
            """{"id":"evt_2","type":"charge.refunded","created":5,"api_version":"2026-10-28.endive","data":{"object":{"id":"ch_1","object":"charge","payment_intent":"pi_9"}}}"""))!;
        Assert.Equal("pi_9", charge.SubjectId);
        Assert.Equal("endive", StripeEventEnvelope.ReleaseTrain(charge.ApiVersion));
        var sub = StripeEventEnvelope.TryParse(Encoding.UTF8.GetBytes(
            """{"id":"evt_3","type":"customer.subscription.updated","created":5,"data":{"object":{"id":"sub_1","object":"subscription"}}}"""))!;
        Assert.Equal("sub_1", sub.SubjectId);
        Assert.Null(StripeEventEnvelope.TryParse(Encoding.UTF8.GetBytes("""{"id":"nope","type":"x","created":1}""")));
        Assert.Null(StripeEventEnvelope.TryParse(Encoding.UTF8.GetBytes("not json")));
    }
}
