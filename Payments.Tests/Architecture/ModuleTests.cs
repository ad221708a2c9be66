using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using Payments.Core;
using Xunit;

namespace Payments.Tests.Architecture;

/// <summary>
/// Payments.Core's modules, read from its compiled types: a module is a top-level namespace <c>Payments.Core.X</c>
/// (sub-namespaces fold into X); <c>Payments.Core</c> itself is the shared kernel (Money, ids, currencies).
/// The allowed graph is written down in docs/architecture.md.
/// </summary>
public sealed class ModuleTests
{
    private const string Root = "Payments.Core";

    /// <summary>Shared plumbing: may be used by every feature and must name none.</summary>
    public static readonly IReadOnlySet<string> Infrastructure = new HashSet<string>(StringComparer.Ordinal)
    {
        Root, "Http", "Messaging", "Storage", "Stripe", "Paypal", "Telemetry", "Email",
    };

    /// <summary>The composition root: names every feature, and nothing may depend on it.</summary>
    public const string Composition = "Composition";

    private static readonly Lazy<IReadOnlyList<Edge>> CoreEdges = new(() => EdgesOf(typeof(Money).Assembly));

    /// <summary>One type's use of another, across modules.</summary>
    public sealed record Edge(string From, string To, string FromType, string ToType, bool ToInternal)
    {
        public override string ToString() => $"{FromType} → {ToType}";
    }

    [Fact]
    public void Modules_form_a_graph_without_cycles()
    {
        var cycle = FindCycle(CoreEdges.Value);
        Assert.True(cycle is null, cycle is null ? "" : Describe(cycle, CoreEdges.Value));
    }

    [Fact]
    public void A_feature_uses_only_what_another_feature_makes_public()
    {
        var reaching = CoreEdges.Value.Where(e => e.ToInternal && !Infrastructure.Contains(e.From) && !Infrastructure.Contains(e.To)).ToList();
        Assert.True(reaching.Count == 0,
            "Features reach into other features' internal types:\n" + string.Join("\n", reaching.Select(e => $"  {e.From} → {e.To}: {e}")));
    }

    /// <summary>
    /// Where one feature reads or writes another's store today (docs/architecture.md says why): Checkout drives
    /// Organisations (which is only its stores) and creates fulfilment orders; Reconciliation compares purchases and
    /// invoices as stored with Stripe and repairs them. Any other use of a foreign store fails; the list may only shrink.
    /// </summary>
    private static readonly HashSet<(string From, string Store)> ForeignStoreUses =
    [
        ("Checkout", "Payments.Core.Organisations.AdminAccountStore"),
        ("Checkout", "Payments.Core.Organisations.OrganisationStore"),
        ("Checkout", "Payments.Core.Organisations.SubscriptionStore"),
        ("Checkout", "Payments.Core.Fulfilment.FulfilmentStore"),
        ("Reconciliation", "Payments.Core.Purchases.PurchaseStore"),
        ("Reconciliation", "Payments.Core.Invoices.InvoiceStore"),
    ];

    [Fact]
    public void A_feature_uses_another_features_store_only_where_documented()
    {
        var reaching = CoreEdges.Value
            .Where(e => e.From != Composition && !Infrastructure.Contains(e.From) && !Infrastructure.Contains(e.To))
            .Where(e => e.ToType.Split('+')[0].EndsWith("Store", StringComparison.Ordinal) && !ForeignStoreUses.Contains((e.From, e.ToType.Split('+')[0])))
            .ToList();
        Assert.True(reaching.Count == 0,
            "A feature's store is its own; these features reach into another's:\n" + string.Join("\n", reaching.Select(e => $"  {e.From} → {e.To}: {e}")));
    }

    [Fact]
    public void Shared_plumbing_and_the_kernel_depend_on_no_feature()
    {
        var wrong = CoreEdges.Value.Where(e => Infrastructure.Contains(e.From) && !Infrastructure.Contains(e.To)).ToList();
        Assert.True(wrong.Count == 0,
            $"{string.Join(", ", Infrastructure)} may not depend on features or the composition root:\n" +
            string.Join("\n", wrong.Select(e => $"  {e.From} → {e.To}: {e}")));
    }

    [Fact]
    public void Nothing_depends_on_the_composition_root()
    {
        var wrong = CoreEdges.Value.Where(e => e.To == Composition).ToList();
        Assert.True(wrong.Count == 0, "Only hosts may use the composition root:\n" + string.Join("\n", wrong.Select(e => $"  {e.From}: {e}")));
    }

    [Fact]
    public void Tables_are_opened_only_by_stores()
    {
        var openers = Types(typeof(Money).Assembly)
            .Where(t => t.Dependencies.Any(d => d.Target.FullName.StartsWith("Azure.Data.Tables.TableClient", StringComparison.Ordinal)))
            .Select(t => t.FullName)
            .Where(name => !IsStore(name))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(openers.Count == 0, "Only stores (a type named *Store, or Storage itself) may hold a TableClient:\n  " + string.Join("\n  ", openers));
    }

    [Fact]
    public void The_cycle_check_finds_a_cycle_and_names_its_edges()
    {
        Edge[] edges = [new("A", "B", "A.X", "B.Y", false), new("B", "C", "B.Y", "C.Z", false), new("C", "A", "C.Z", "A.X", false), new("C", "D", "C.Z", "D.W", false)];
        var cycle = FindCycle(edges);
        Assert.NotNull(cycle);
        Assert.Equal("A → B → C → A", string.Join(" → ", cycle));
        Assert.Contains("C → A: C.Z → A.X", Describe(cycle, edges), StringComparison.Ordinal);
        Assert.Null(FindCycle(edges.Take(2).Append(edges[3]).ToList()));
    }

    private static bool IsStore(string typeFullName)
    {
        var declaring = typeFullName.Split('+')[0];
        return declaring.EndsWith("Store", StringComparison.Ordinal) || ModuleOf(declaring) == "Storage";
    }

    /// <summary>The module of a namespace in Payments.Core (its first segment after <c>Payments.Core.</c>), or null outside it.</summary>
    public static string? ModuleOf(string typeOrNamespace)
    {
        if (typeOrNamespace == Root)
            return Root;
        if (!typeOrNamespace.StartsWith(Root + ".", StringComparison.Ordinal))
            return null;
        var rest = typeOrNamespace[(Root.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static string? ModuleOf(IType? type) => type?.Namespace?.FullName is { } ns ? ModuleOf(ns) : null;

    private static IEnumerable<IType> Types(System.Reflection.Assembly assembly) =>
        new ArchLoader().LoadAssemblies(assembly).Build().Types;

    public static IReadOnlyList<Edge> EdgesOf(System.Reflection.Assembly assembly) =>
        Types(assembly)
            .Where(t => ModuleOf(t) is not null)
            .SelectMany(t => t.Dependencies.Select(d => (From: t, To: d.Target)))
            // A generic parameter is not a dependency (ArchUnitNET can name one after another type's method of the same shape).
            .Where(p => p.To is not GenericParameter && ModuleOf(p.To) is { } to && to != ModuleOf(p.From))
            .Select(p => new Edge(ModuleOf(p.From)!, ModuleOf(p.To)!, p.From.FullName, p.To.FullName, IsInternal(p.To)))
            .Distinct()
            .ToList();

    private static bool IsInternal(IType type) =>
        type.Visibility != Visibility.Public || type.Name.Contains('<', StringComparison.Ordinal);

    /// <summary>A cycle among the modules as a closed path (first module repeated at the end), or null when there is none.</summary>
    public static IReadOnlyList<string>? FindCycle(IEnumerable<Edge> edges)
    {
        var next = edges.GroupBy(e => e.From, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.To).Distinct().Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        var onPath = new HashSet<string>(StringComparer.Ordinal);

        List<string>? Visit(string module)
        {
            if (onPath.Contains(module))
                return [.. path.Skip(path.IndexOf(module)), module];
            if (!done.Add(module))
                return null;
            path.Add(module);
            onPath.Add(module);
            foreach (var to in next.GetValueOrDefault(module) ?? [])
                if (Visit(to) is { } found)
                    return found;
            path.RemoveAt(path.Count - 1);
            onPath.Remove(module);
            return null;
        }

        return next.Keys.Order(StringComparer.Ordinal).Select(Visit).FirstOrDefault(c => c is not null);
    }

    /// <summary>The cycle, then for each of its edges a few of the type dependencies that make it.</summary>
    public static string Describe(IReadOnlyList<string> cycle, IEnumerable<Edge> edges)
    {
        var lines = new List<string> { "Modules depend on each other in a circle: " + string.Join(" → ", cycle) };
        for (var i = 0; i + 1 < cycle.Count; i++)
        {
            var (from, to) = (cycle[i], cycle[i + 1]);
            lines.AddRange(edges.Where(e => e.From == from && e.To == to).Take(3).Select(e => $"  {from} → {to}: {e}"));
        }
        return string.Join("\n", lines);
    }
}
