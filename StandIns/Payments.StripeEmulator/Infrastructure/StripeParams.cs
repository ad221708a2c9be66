using System.Globalization;
using System.Reflection;

namespace Payments.StripeEmulator;

/// <summary>
/// The parameters of a /v1 request: the form body of a POST, or the query string of a GET,
/// parsed once per request and typed on access. Accessors throw Stripe-shaped 400s.
/// </summary>
internal sealed class StripeParams
{
    private const string ItemKey = "emulator.params";

    public StripeParams(FormNode root)
    {
        Root = root;
    }

    public FormNode Root { get; }

    public IReadOnlyList<string> Expand => GetStringList("expand");

    public static async ValueTask<StripeParams?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        await ForRequestAsync(context);

    public static async Task<StripeParams> ForRequestAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var cached) && cached is StripeParams p)
        {
            return p;
        }

        string text;
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsDelete(context.Request.Method))
        {
            text = context.Request.QueryString.Value ?? "";
        }
        else
        {
            using var reader = new StreamReader(context.Request.Body);
            text = await reader.ReadToEndAsync(context.RequestAborted);
        }

        p = new StripeParams(FormParser.Parse(text));
        context.Items[ItemKey] = p;
        return p;
    }

    public bool Has(string key) => Root.ContainsKey(key);

    /// <summary>Stripe rejects parameters an endpoint does not know; so do we, to catch typos early.</summary>
    public void AllowOnly(IReadOnlySet<string> allowed)
    {
        foreach (var key in Root.Keys)
        {
            if (!allowed.Contains(key))
            {
                throw StripeErrors.UnknownParameter(key);
            }
        }
    }

    public string? GetString(string key) => GetString(Root, key, key);

    public string RequireString(string key) =>
        GetString(key) is { Length: > 0 } value ? value : throw StripeErrors.MissingParameter(key);

    public bool? GetBool(string key) => ParseBool(GetString(key), key);

    public long? GetLong(string key)
    {
        var text = GetString(key);
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StripeErrors.InvalidRequest($"Invalid integer: {text}", key, "parameter_invalid_integer");
    }

    /// <summary>
    /// A <c>created</c>-style filter: a Unix time (exact match) or <c>[gt]</c>, <c>[gte]</c>, <c>[lt]</c>,
    /// <c>[lte]</c> bounds. Null when the parameter is absent.
    /// </summary>
    public Func<long, bool>? GetTimeFilter(string key)
    {
        if (!Root.TryGetValue(key, out var value))
        {
            return null;
        }

        if (value is string)
        {
            var exact = GetLong(key);
            return t => t == exact;
        }

        if (value is not FormNode node)
        {
            throw StripeErrors.InvalidRequest("Invalid object", key);
        }

        long? Bound(string op)
        {
            var text = GetString(node, op, $"{key}[{op}]");
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bound)
                ? bound
                : throw StripeErrors.InvalidRequest($"Invalid integer: {text}", $"{key}[{op}]", "parameter_invalid_integer");
        }

        foreach (var op in node.Keys)
        {
            if (op is not ("gt" or "gte" or "lt" or "lte"))
            {
                throw StripeErrors.UnknownParameter($"{key}[{op}]");
            }
        }

        var (gt, gte, lt, lte) = (Bound("gt"), Bound("gte"), Bound("lt"), Bound("lte"));
        return t => (gt is null || t > gt) && (gte is null || t >= gte) && (lt is null || t < lt) && (lte is null || t <= lte);
    }

    public FormNode? GetObject(string key)
    {
        if (!Root.TryGetValue(key, out var value))
        {
            return null;
        }

        return value as FormNode
            ?? (value is "" ? new FormNode() : throw StripeErrors.InvalidRequest("Invalid object", key));
    }

    public IReadOnlyList<string> GetStringList(string key)
    {
        if (!Root.TryGetValue(key, out var value))
        {
            return [];
        }

        return value switch
        {
            FormNode { IsList: true } list => list.Items().Select(i => i as string ?? throw StripeErrors.InvalidRequest("Invalid array", key)).ToList(),
            "" => [],
            _ => throw StripeErrors.InvalidRequest("Invalid array", key),
        };
    }

    /// <summary>
    /// Metadata as an update: a key mapped to null means "remove this key" (Stripe's <c>metadata[k]=</c>);
    /// <c>metadata=</c> alone clears every key, reported as <paramref name="clearAll"/>.
    /// </summary>
    public Dictionary<string, string?>? GetMetadata(out bool clearAll)
    {
        clearAll = false;
        if (!Root.TryGetValue("metadata", out var value))
        {
            return null;
        }

        if (value is "")
        {
            clearAll = true;
            return [];
        }

        if (value is not FormNode node)
        {
            throw StripeErrors.InvalidRequest("Invalid object", "metadata");
        }

        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (k, v) in node)
        {
            if (v is not string s)
            {
                throw StripeErrors.InvalidRequest($"Invalid value for metadata[{k}]: must be a string", $"metadata[{k}]");
            }

            result[k] = s.Length == 0 ? null : s;
        }

        return result;
    }

    /// <summary>Nested parameters: unknown keys are refused as <c>parent[key]</c>, as Stripe names them.</summary>
    public static void AllowOnly(FormNode node, IReadOnlySet<string> allowed, string param)
    {
        foreach (var key in node.Keys)
        {
            if (!allowed.Contains(key))
            {
                throw StripeErrors.UnknownParameter($"{param}[{key}]");
            }
        }
    }

    /// <summary>A nested object; <c>x=</c> (empty) counts as an empty object.</summary>
    public static FormNode? GetObject(FormNode node, string key, string param)
    {
        if (!node.TryGetValue(key, out var value))
        {
            return null;
        }

        return value as FormNode
            ?? (value is "" ? new FormNode() : throw StripeErrors.InvalidRequest("Invalid object", param));
    }

    /// <summary>An array of objects, such as <c>line_items[0][price]=...</c>.</summary>
    public List<FormNode> GetObjectList(string key)
    {
        if (!Root.TryGetValue(key, out var value))
        {
            return [];
        }

        return value switch
        {
            FormNode { IsList: true } list => list.Items().Select(i => i as FormNode ?? throw StripeErrors.InvalidRequest("Invalid array", key)).ToList(),
            "" => [],
            _ => throw StripeErrors.InvalidRequest("Invalid array", key),
        };
    }

    public static IReadOnlyList<string> GetStringList(FormNode node, string key, string param)
    {
        if (!node.TryGetValue(key, out var value))
        {
            return [];
        }

        return value switch
        {
            FormNode { IsList: true } list => list.Items().Select(i => i as string ?? throw StripeErrors.InvalidRequest("Invalid array", param)).ToList(),
            "" => [],
            _ => throw StripeErrors.InvalidRequest("Invalid array", param),
        };
    }

    public static long? GetLong(FormNode node, string key, string param)
    {
        var text = GetString(node, key, param);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StripeErrors.InvalidRequest($"Invalid integer: {text}", param, "parameter_invalid_integer");
    }

    public static bool? GetBool(FormNode node, string key, string param) => ParseBool(GetString(node, key, param), param);

    public static string? GetString(FormNode node, string key, string param) =>
        !node.TryGetValue(key, out var value)
            ? null
            : value as string ?? throw StripeErrors.InvalidRequest("Invalid string: {...}", param);

    public static bool? ParseBool(string? text, string param) =>
        text switch
        {
            null => null,
            _ when text.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
            _ when text.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw StripeErrors.InvalidRequest($"Invalid boolean: {text}", param, "parameter_invalid_boolean"),
        };
}
