using Payments.Core;
using Payments.Core.Storage;
using Xunit;

namespace Payments.Tests.Http;

/// <summary>Input that becomes a table key is checked first: Table Storage refuses these characters (Azurite accepts them, so the end-to-end tests cannot show it).</summary>
public sealed class TableKeyTests
{
    [Theory]
    [InlineData("evt_#1")]
    [InlineData("pur_a/b")]
    [InlineData("a\\b")]
    [InlineData("what?")]
    [InlineData("ctl\u0001")]
    [InlineData("del\u007f")]
    [InlineData("")]
    public void Keys_table_storage_refuses_are_not_safe(string key) => Assert.False(TableKeys.IsSafe(key, 255));

    [Fact]
    public void Length_is_bounded() => Assert.False(TableKeys.IsSafe(new string('a', 65), 64));

    [Theory]
    [InlineData("a\u0001@b.co")]
    [InlineData("a@b.co\u0002")]
    [InlineData("a#b@c.co")]
    public void Emails_that_cannot_be_keys_are_invalid(string email) => Assert.False(Emails.IsValid(email));

    [Fact]
    public void Ordinary_keys_are_safe() => Assert.True(TableKeys.IsSafe("pur_0123456789abcdef-ü.x@y", 64) && Emails.IsValid("ada@example.test"));
}
