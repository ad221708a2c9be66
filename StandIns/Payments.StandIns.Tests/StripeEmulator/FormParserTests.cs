using Payments.StripeEmulator;
using Xunit;

namespace Payments.StandIns.Tests.StripeEmulator;

public sealed class FormParserTests
{
    [Fact]
    public void ParsesStripeBracketNotationIntoNestedObjectsAndLists()
    {
        var form = FormParser.Parse(
            "email=a%40b.c&metadata[user+id]=u%261&expand[0]=customer&expand[1]=payment_method" +
            "&items[0][price]=p1&items[1][price]=p2&automatic_payment_methods%5Benabled%5D=True&metadata[empty]=");

        Assert.Equal("a@b.c", form["email"]);
        var metadata = Assert.IsType<FormNode>(form["metadata"]);
        Assert.Equal("u&1", metadata["user id"]);
        Assert.Equal("", metadata["empty"]);
        var expand = Assert.IsType<FormNode>(form["expand"]);
        Assert.True(expand.IsList);
        Assert.Equal(["customer", "payment_method"], expand.Items());
        var items = Assert.IsType<FormNode>(form["items"]);
        Assert.Equal("p2", Assert.IsType<FormNode>(items.Items().Last())["price"]);
        Assert.Equal("True", Assert.IsType<FormNode>(form["automatic_payment_methods"])["enabled"]);
    }

    [Fact]
    public void ListsKeepIndexOrderPastNine()
    {
        var pairs = Enumerable.Range(0, 12).Select(i => $"expand[{i}]=e{i}");

        var expand = Assert.IsType<FormNode>(FormParser.Parse(string.Join('&', pairs))["expand"]);

        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"e{i}"), expand.Items());
    }

    [Fact]
    public void EmptyBracketsAppend()
    {
        var list = Assert.IsType<FormNode>(FormParser.Parse("expand[]=a&expand[]=b")["expand"]);

        Assert.Equal(["a", "b"], list.Items());
    }

    [Fact]
    public void CanonicalFormIgnoresPairOrderButNotListOrder()
    {
        Assert.Equal(
            FormParser.Canonical(FormParser.Parse("b=2&a[y]=1&a[x]=0")),
            FormParser.Canonical(FormParser.Parse("a[x]=0&b=2&a[y]=1")));
        Assert.NotEqual(
            FormParser.Canonical(FormParser.Parse("expand[0]=a&expand[1]=b")),
            FormParser.Canonical(FormParser.Parse("expand[0]=b&expand[1]=a")));
    }

    [Fact]
    public void MalformedKeysStayWhole()
    {
        Assert.Equal(["a[b"], FormParser.SplitKey("a[b"));
        Assert.Equal(["a", "b", "0", ""], FormParser.SplitKey("a[b][0][]"));
    }
}
