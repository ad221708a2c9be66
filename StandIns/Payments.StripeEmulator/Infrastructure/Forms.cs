using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Payments.StripeEmulator;

/// <summary>
/// One level of a parsed Stripe form: keys map to a string, or to a nested <see cref="FormNode"/>.
/// A node whose keys came from numeric or empty brackets (<c>expand[0]</c>, <c>a[]</c>) is a list.
/// Keys are kept sorted so that two forms with the same content compare equal whatever the order
/// of their pairs, which is what idempotency needs.
/// </summary>
internal sealed class FormNode : SortedDictionary<string, object>
{
    public FormNode() : base(StringComparer.Ordinal) { }

    public bool IsList { get; set; }

    /// <summary>List items in index order (keys "0", "1", ... "10"; ordinal order would put 10 before 2).</summary>
    public IEnumerable<object> Items() =>
        this.OrderBy(kv => int.TryParse(kv.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue)
            .Select(kv => kv.Value);
}

/// <summary>Parses <c>application/x-www-form-urlencoded</c> text in Stripe's bracket notation.</summary>
internal static class FormParser
{
    public static FormNode Parse(string? text)
    {
        var root = new FormNode();
        if (string.IsNullOrEmpty(text))
        {
            return root;
        }

        foreach (var pair in text.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
            Insert(root, SplitKey(key), value);
        }

        return root;
    }

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    /// <summary><c>a[b][0][]</c> → <c>a, b, 0, ""</c>. A malformed key is kept whole, as a plain name.</summary>
    internal static List<string> SplitKey(string key)
    {
        var open = key.IndexOf('[', StringComparison.Ordinal);
        if (open <= 0)
        {
            return [key];
        }

        var segments = new List<string> { key[..open] };
        var i = open;
        while (i < key.Length)
        {
            if (key[i] != '[')
            {
                return [key];
            }

            var close = key.IndexOf(']', i);
            if (close < 0)
            {
                return [key];
            }

            segments.Add(key[(i + 1)..close]);
            i = close + 1;
        }

        return segments;
    }

    private static void Insert(FormNode root, List<string> segments, string value)
    {
        var node = root;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0)
            {
                // "a[]=x&a[]=y" appends.
                segment = node.Count.ToString(CultureInfo.InvariantCulture);
            }

            if (i == segments.Count - 1)
            {
                node[segment] = value;
                return;
            }

            if (!node.TryGetValue(segment, out var child) || child is not FormNode childNode)
            {
                childNode = new FormNode { IsList = IsIndex(segments[i + 1]) };
                node[segment] = childNode;
            }

            node = childNode;
        }
    }

    private static bool IsIndex(string segment) =>
        segment.Length == 0 || segment.All(char.IsAsciiDigit);

    /// <summary>A canonical JSON rendering: sorted keys, lists in index order.</summary>
    public static string Canonical(FormNode node)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, node);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, object value)
    {
        if (value is not FormNode node)
        {
            writer.WriteStringValue((string)value);
            return;
        }

        if (node.IsList)
        {
            writer.WriteStartArray();
            foreach (var item in node.Items())
            {
                Write(writer, item);
            }

            writer.WriteEndArray();
            return;
        }

        writer.WriteStartObject();
        foreach (var (key, child) in node)
        {
            writer.WritePropertyName(key);
            Write(writer, child);
        }

        writer.WriteEndObject();
    }
}
