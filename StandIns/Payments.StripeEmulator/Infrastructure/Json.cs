using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.StripeEmulator;

/// <summary>Helpers for building and rendering Stripe-shaped JSON.</summary>
internal static class Json
{
    /// <summary>Stripe does not escape quotes or non-ASCII text; Stripe.net does not care, people reading logs do.</summary>
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject NewObject(string id, string objectName) => new()
    {
        ["id"] = id,
        ["object"] = objectName,
    };

    /// <summary>Applies a metadata update (see <see cref="StripeParams.GetMetadata"/>) to an object.</summary>
    public static void ApplyMetadata(JsonObject target, StripeParams p)
    {
        var update = p.GetMetadata(out var clearAll);
        if (update is null)
        {
            return;
        }

        var metadata = clearAll ? new JsonObject() : target["metadata"] as JsonObject ?? new JsonObject();
        foreach (var (key, value) in update)
        {
            if (value is null)
            {
                metadata.Remove(key);
            }
            else
            {
                metadata[key] = value;
            }
        }

        target["metadata"] = metadata;
    }

    /// <summary>
    /// The <c>previous_attributes</c> of an update: the old value of each of <paramref name="keys"/>
    /// that changed. Null when nothing changed. As Stripe does, nested objects (metadata,
    /// cancellation_details) show only their changed keys, a key that was added as null.
    /// </summary>
    public static JsonObject? Changes(JsonObject before, JsonObject after, params string[] keys)
    {
        var changes = new JsonObject();
        foreach (var key in keys)
        {
            if (Diff(before[key], after[key]) is { } old)
            {
                changes[key] = old.Value;
            }
        }

        return changes.Count == 0 ? null : changes;
    }

    /// <summary>Null when equal; else what previous_attributes shows for the old value.</summary>
    private static StrongBox<JsonNode?>? Diff(JsonNode? before, JsonNode? after)
    {
        if (JsonNode.DeepEquals(before, after))
        {
            return null;
        }

        if (before is JsonObject oldObject && after is JsonObject newObject)
        {
            var nested = new JsonObject();
            foreach (var key in oldObject.Select(p => p.Key).Union(newObject.Select(p => p.Key)))
            {
                if (Diff(oldObject[key], newObject[key]) is { } old)
                {
                    nested[key] = old.Value;
                }
            }

            return new StrongBox<JsonNode?>(nested);
        }

        return new StrongBox<JsonNode?>(before?.DeepClone());
    }

    /// <summary>A string-to-string object (metadata) from a form node; empty when absent. Empty values are left out.</summary>
    public static JsonObject StringMap(FormNode? node, string param)
    {
        var map = new JsonObject();
        if (node is null)
        {
            return map;
        }

        foreach (var (key, value) in node)
        {
            if (value is not string text)
            {
                throw StripeErrors.InvalidRequest($"Invalid value for {param}[{key}]: must be a string", $"{param}[{key}]");
            }

            if (text.Length > 0)
            {
                map[key] = text;
            }
        }

        return map;
    }

    /// <summary>Sets a nullable string field from a parameter; Stripe treats <c>""</c> as "unset".</summary>
    public static void ApplyString(JsonObject target, StripeParams p, string key)
    {
        if (p.Has(key))
        {
            var value = p.GetString(key);
            target[key] = string.IsNullOrEmpty(value) ? null : value;
        }
    }

    /// <summary>Clones an object for output and replaces expanded ids with the objects they name.</summary>
    public static string Render(EmulatorState state, JsonObject obj, IReadOnlyList<string> expand) =>
        RenderNode(state, obj, expand).ToJsonString(Json.Options);

    public static JsonObject RenderNode(EmulatorState state, JsonObject obj, IReadOnlyList<string> expand)
    {
        var clone = (JsonObject)obj.DeepClone();
        foreach (var path in expand)
        {
            ExpandPath(state, clone, path.Split('.'), 0);
        }

        return clone;
    }

    /// <summary>Stripe's list object over clones of <paramref name="items"/>.</summary>
    public static JsonObject List(string url, IEnumerable<JsonObject> items, bool hasMore, bool totalCount = false)
    {
        var data = new JsonArray();
        foreach (var item in items)
        {
            data.Add(item.DeepClone());
        }

        var list = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["has_more"] = hasMore,
        };
        if (totalCount)
        {
            list["total_count"] = data.Count;
        }

        list["url"] = url;
        return list;
    }

    public static string RenderList(EmulatorState state, string url, IEnumerable<JsonObject> items, bool hasMore, IReadOnlyList<string> expand)
    {
        var list = List(url, items, hasMore);
        foreach (var path in expand)
        {
            ExpandPath(state, list, path.Split('.'), 0);
        }

        return list.ToJsonString(Json.Options);
    }

    private static void ExpandPath(EmulatorState state, JsonNode? node, string[] path, int index)
    {
        if (index >= path.Length)
        {
            return;
        }

        if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                ExpandPath(state, item, path, index);
            }

            return;
        }

        if (node is not JsonObject obj)
        {
            return;
        }

        if (!obj.TryGetPropertyValue(path[index], out var child))
        {
            // Includable fields exist only when expanded.
            child = state.Include(obj, path[index]);
            if (child is null)
            {
                return;
            }

            obj[path[index]] = child;
        }

        if (child is JsonValue value && value.TryGetValue<string>(out var id) && state.FindById(id) is { } found)
        {
            child = found.DeepClone();
            obj[path[index]] = child;
        }

        ExpandPath(state, child, path, index + 1);
    }

    /// <summary>Cursor pagination over newest-first items, as Stripe's list endpoints do it.</summary>
    public static (List<JsonObject> Page, bool HasMore) Paginate(StripeParams p, IEnumerable<JsonObject> newestFirst)
    {
        var limit = p.GetLong("limit") ?? 10;
        if (limit is < 1 or > 100)
        {
            throw StripeErrors.InvalidRequest(
                $"This value must be greater than or equal to 1 and less than or equal to 100 (it was {limit}).", "limit");
        }

        var items = newestFirst.ToList();
        var startingAfter = p.GetString("starting_after");
        var endingBefore = p.GetString("ending_before");
        if (!string.IsNullOrEmpty(startingAfter))
        {
            var at = items.FindIndex(o => (string?)o["id"] == startingAfter);
            items = at < 0 ? [] : items[(at + 1)..];
        }
        else if (!string.IsNullOrEmpty(endingBefore))
        {
            var at = items.FindIndex(o => (string?)o["id"] == endingBefore);
            var before = at < 0 ? [] : items[..at];
            var skip = Math.Max(0, before.Count - (int)limit);
            return (before[skip..], skip > 0);
        }

        return (items.Take((int)limit).ToList(), items.Count > limit);
    }
}
