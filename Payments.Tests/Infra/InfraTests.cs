using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MailKit.Security;
using Payments.Core.Messaging;
using Payments.Core.Storage;
using Xunit;

namespace Payments.Tests.Infra;

/// <summary>
/// Builds and lints infra/main.bicep with the Bicep CLI from the Azure.Bicep.CommandLine package
/// (no network: --no-restore, and infra/ uses no registry modules), fails on any warning or
/// error, and checks the compiled template provisions what Payments.Core uses.
/// </summary>
public sealed partial class InfraTests
{
    private static readonly TimeSpan BicepTimeout = TimeSpan.FromMinutes(3);

    private static string Metadata(string key) =>
        typeof(InfraTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing (see Payments.Tests.csproj).");

    internal static string RepoRoot => Path.GetFullPath(Metadata("RepoRoot"));

    private static string MainBicep => Path.Combine(RepoRoot, "infra", "main.bicep");

    [Fact]
    public void BicepBuildSucceedsWithoutDiagnostics()
    {
        var result = Build.Value;

        AssertClean(result);
        var template = JsonNode.Parse(result.StdOut) ?? throw new InvalidOperationException("bicep build printed no template.");
        Assert.NotEmpty(AllResources(template));
    }

    [Fact]
    public void BicepLintPassesWithoutDiagnostics()
    {
        AssertClean(RunBicep("lint", MainBicep, "--no-restore"));
    }

    [Fact]
    public void EveryQueueInCodeHasAServiceBusQueue()
    {
        var resources = AllResources(BuildTemplate());

        var namespaces = resources.Where(r => r.Type == "Microsoft.ServiceBus/namespaces").ToList();
        var ns = Assert.Single(namespaces);
        Assert.Equal("Standard", ns.Node["sku"]?["name"]?.GetValue<string>());

        var queues = resources.Where(r => r.Type == "Microsoft.ServiceBus/namespaces/queues").ToList();
        var names = queues.SelectMany(q => q.Names).ToHashSet(StringComparer.Ordinal);
        var missing = QueueNames.All.Where(q => !names.Contains(q)).ToList();
        Assert.True(missing.Count == 0, $"infra/main.bicep has no Service Bus queue for: {string.Join(", ", missing)} (add it to serviceBusQueueNames).");

        foreach (var queue in queues)
        {
            var properties = queue.Node["properties"];
            Assert.NotNull(properties?["maxDeliveryCount"]);
            Assert.NotNull(properties?["lockDuration"]);
            Assert.True(properties?["deadLetteringOnMessageExpiration"]?.GetValue<bool>(), "queues must dead-letter expired messages");
            Assert.True(properties?["requiresDuplicateDetection"]?.GetValue<bool>(), "QueueMessage.MessageId relies on duplicate detection");
        }
    }

    [Fact]
    public void EveryTableInCodeIsProvisioned()
    {
        var resources = AllResources(BuildTemplate());
        var names = resources.Where(r => r.Type == "Microsoft.Storage/storageAccounts/tableServices/tables")
            .SelectMany(t => t.Names).ToHashSet(StringComparer.Ordinal);
        var missing = TableNames.All.Where(t => !names.Contains(t)).ToList();
        Assert.True(missing.Count == 0, $"infra/main.bicep has no table for: {string.Join(", ", missing)} (add it to tableNames).");
    }

    /// <summary>
    /// Outside Development and Testing the app creates nothing at start-up, so a name used in code but
    /// left out of TableNames.All or ContainerNames.All (which the tests above hold infra to) would be a
    /// table or container that never exists in Azure.
    /// </summary>
    [Theory]
    [InlineData(typeof(TableNames))]
    [InlineData(typeof(ContainerNames))]
    public void EveryStorageNameInCodeIsInTheListInfraProvisions(Type names)
    {
        var constants = names.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();
        var all = (IReadOnlyList<string>)names.GetField("All")!.GetValue(null)!;

        Assert.NotEmpty(constants);
        var missing = constants.Except(all).ToList();
        Assert.True(missing.Count == 0, $"{names.Name}.All lacks: {string.Join(", ", missing)}");
    }

    [Fact]
    public void EveryBlobContainerInCodeIsProvisioned()
    {
        var resources = AllResources(BuildTemplate());
        var names = resources.Where(r => r.Type == "Microsoft.Storage/storageAccounts/blobServices/containers")
            .SelectMany(t => t.Names).ToHashSet(StringComparer.Ordinal);
        var missing = ContainerNames.All.Where(c => !names.Contains(c)).ToList();
        Assert.True(missing.Count == 0, $"infra/main.bicep has no blob container for: {string.Join(", ", missing)} (add it to blobContainerNames).");
    }

    [Fact]
    public void FunctionAppRunsOnFlexConsumptionWithIdentityBasedSettings()
    {
        var resources = AllResources(BuildTemplate());

        var plan = Assert.Single(resources, r => r.Type == "Microsoft.Web/serverfarms");
        Assert.Equal("FlexConsumption", plan.Node["sku"]?["tier"]?.GetValue<string>());

        var site = Assert.Single(resources, r => r.Type == "Microsoft.Web/sites");
        Assert.Contains("functionapp", site.Node["kind"]?.GetValue<string>() ?? "", StringComparison.Ordinal);
        Assert.Equal("UserAssigned", site.Node["identity"]?["type"]?.GetValue<string>());

        var runtime = site.Node["properties"]?["functionAppConfig"]?["runtime"];
        Assert.Equal("dotnet-isolated", runtime?["name"]?.GetValue<string>());
        Assert.Equal("10.0", runtime?["version"]?.GetValue<string>());

        var settings = AppSettings(BuildTemplate());

        string[] required =
        [
            "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId",
            "ServiceBusConnection__fullyQualifiedNamespace", "ServiceBusConnection__credential", "ServiceBusConnection__clientId",
            "APPLICATIONINSIGHTS_CONNECTION_STRING",
            "Storage__TableEndpoint", "Storage__BlobEndpoint",
            "Queues__RetryDelays__0", "Queues__RetryDelays__3", "Webhooks__Retention",
            "Stripe__SecretKey", "Webhooks__Secret",
            "Paypal__BaseUrl", "Paypal__ClientId", "Paypal__ClientSecret", "Paypal__WebhookId", "Paypal__RequestIdPrefix",
            "Auth__Issuer", "Auth__Audience", "Auth__MetadataAddress",
        ];
        var missing = required.Where(n => !settings.ContainsKey(n)).ToList();
        Assert.True(missing.Count == 0, $"Function app settings missing: {string.Join(", ", missing)}");

        // Secrets only through Key Vault references; no keys, no development shortcuts in Azure.
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", settings["Stripe__SecretKey"], StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", settings["Webhooks__Secret"], StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", settings["Paypal__ClientSecret"], StringComparison.Ordinal);
        string[] forbidden = ["AzureWebJobsStorage", "ServiceBusConnection", "Storage__ConnectionString", "Auth__DevelopmentSigningKey", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION",
            "Paypal__Webhooks__DevelopmentTrustRootUrl", "Paypal__Webhooks__DevelopmentTrustRootPem"];
        var present = forbidden.Where(settings.ContainsKey).ToList();
        Assert.True(present.Count == 0, $"Function app settings that must not be set in Azure: {string.Join(", ", present)}");
    }

    /// <summary>Built-in role ids (the same in every tenant), from Azure's list of built-in roles.</summary>
    private static class BuiltInRole
    {
        public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
        public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
        public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
        public const string ServiceBusDataOwner = "090c5cfd-751d-490a-894a-3ce6f1109419";
        public const string ServiceBusDataReceiver = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0";
        public const string ServiceBusDataSender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
    }

    [Fact]
    public void TheIdentityMayReadQueueLengthsSoFlexConsumptionScalesOnMessageCount()
    {
        var grants = RoleGrants(BuildTemplate(), "Microsoft.ServiceBus/namespaces");

        // Receiver: the triggers; Sender: ServiceBusMessageSender; Data Owner: the Manage claim the
        // scale monitor needs to read each queue's active message count (see main.bicep).
        string[] needed = [BuiltInRole.ServiceBusDataReceiver, BuiltInRole.ServiceBusDataSender, BuiltInRole.ServiceBusDataOwner];
        var missing = needed.Except(grants).ToList();
        Assert.True(missing.Count == 0, $"the identity lacks these roles on the Service Bus namespace: {string.Join(", ", missing)}");
    }

    [Fact]
    public void StorageRolesAreWhatTheHostAndTheAppUse()
    {
        var grants = RoleGrants(BuildTemplate(), "Microsoft.Storage/storageAccounts");

        // Blob Data Owner: host storage, the deployment package, the app's containers; Table Data
        // Contributor: the app's tables and the host's diagnostic events. Nothing uses Storage queues.
        Assert.Equal(
            new[] { BuiltInRole.StorageBlobDataOwner, BuiltInRole.StorageTableDataContributor }.Order(StringComparer.Ordinal),
            grants.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(BuiltInRole.StorageQueueDataContributor, grants);
    }

    private static string ExampleParameters => Path.Combine(RepoRoot, "infra", "main.example.bicepparam");

    /// <summary>The environment variables the example parameters file reads the secrets from.</summary>
    private static List<string> SecretVariables() =>
        EnvironmentVariableRead().Matches(File.ReadAllText(ExampleParameters)).Select(m => m.Groups["name"].Value).ToList();

    [GeneratedRegex(@"readEnvironmentVariable\('(?<name>\w+)'\)")]
    private static partial Regex EnvironmentVariableRead();

    /// <summary>The documented deployment runs without prompts: the example file sets every parameter that has no default.</summary>
    [Fact]
    public void TheExampleParametersFileSuppliesEveryRequiredParameter()
    {
        var secrets = SecretVariables();
        Assert.NotEmpty(secrets);
        var result = RunBicep(secrets.ToDictionary(v => v, v => "example-" + v), "build-params", ExampleParameters, "--stdout", "--no-restore");
        AssertClean(result);

        var output = JsonNode.Parse(result.StdOut) ?? throw new InvalidOperationException("bicep build-params printed nothing.");
        var supplied = JsonNode.Parse(output["parametersJson"]!.GetValue<string>())!["parameters"]!.AsObject()
            .Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var required = BuildTemplate()["parameters"]!.AsObject()
            .Where(p => p.Value?["defaultValue"] is null)
            .Select(p => p.Key).ToList();

        Assert.NotEmpty(required);
        var missing = required.Where(p => !supplied.Contains(p)).ToList();
        Assert.True(missing.Count == 0, $"infra/main.example.bicepparam does not set: {string.Join(", ", missing)}");
        // Secrets never sit in the file: each secure parameter comes from an environment variable.
        var secure = BuildTemplate()["parameters"]!.AsObject()
            .Where(p => p.Value?["type"]?.GetValue<string>() is "securestring" or "secureObject").Select(p => p.Key).ToList();
        var text = File.ReadAllText(ExampleParameters);
        var literal = secure.Where(p => !Regex.IsMatch(text, $@"param {p} = readEnvironmentVariable\('\w+'\)")).ToList();
        Assert.True(literal.Count == 0, $"secure parameters not read from an environment variable: {string.Join(", ", literal)}");
    }

    /// <summary>docs/azure.md and main.bicep give the same command: the example file, and every secret's environment variable.</summary>
    [Theory]
    [InlineData("docs/azure.md")]
    [InlineData("infra/main.bicep")]
    public void TheDeployCommandNamesTheParametersFileAndEverySecret(string document)
    {
        var text = File.ReadAllText(Path.Combine(RepoRoot, document));
        string[] expected = ["cp infra/main.example.bicepparam infra/prod.bicepparam", "az deployment group create -g <rg> -f infra/main.bicep -p infra/prod.bicepparam", .. SecretVariables().Select(v => v + "=")];
        var missing = expected.Where(e => !text.Contains(e, StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"{document}'s deploy command lacks: {string.Join(" | ", missing)}");
    }

    [Fact]
    public void TheStoragePrefixIsCheckedAsTheAppChecksItAndNamesEveryTableAndContainer()
    {
        var template = BuildTemplate();
        var parameter = template["parameters"]!["storageNamePrefix"]!;
        var maxLength = parameter["maxLength"]!.GetValue<int>();
        Assert.Equal(StorageOptions.MaxNamePrefixLength, maxLength);
        Assert.True(maxLength + TableNames.All.Max(t => t.Length) <= 63, "a table name could pass 63 characters");
        Assert.True(maxLength + ContainerNames.All.Max(c => c.Length) <= 63, "a container name could pass 63 characters");

        // The check: the characters main.bicep allows, and those it refuses first, agree with the app's rule.
        var variables = template["variables"]!;
        var badCharacters = variables["storagePrefixBadCharacters"]!.GetValue<string>();
        var prefix = variables["storagePrefix"]!.GetValue<string>();
        Assert.Contains("fail(", prefix, StringComparison.Ordinal);
        var allowed = Regex.Match(badCharacters, @"not\(contains\('(?<chars>[^']*)'").Groups["chars"].Value;
        var notFirst = Regex.Match(prefix, @"not\(contains\('(?<chars>[^']*)', substring\(parameters\('storageNamePrefix'\), 0, 1\)").Groups["chars"].Value;
        Assert.NotEmpty(allowed);
        Assert.NotEmpty(notFirst);
        for (var c = (char)32; c < 127; c++)
        {
            Assert.True(allowed.Contains(c) == StorageOptions.IsValidNamePrefix("a" + c), $"main.bicep and the app disagree about '{c}' in a storage prefix");
            if (allowed.Contains(c))
                Assert.True(notFirst.Contains(c) != StorageOptions.IsValidNamePrefix(c.ToString()), $"main.bicep and the app disagree about '{c}' first in a storage prefix");
        }

        // Every name and the app's setting use the checked prefix, never the raw parameter.
        var named = AllResources(template)
            .Where(r => r.Type is "Microsoft.Storage/storageAccounts/tableServices/tables" or "Microsoft.Storage/storageAccounts/blobServices/containers")
            .Select(r => r.Node["name"]!.GetValue<string>())
            .Where(n => n.Contains("copyIndex()", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(2, named.Count);
        Assert.All(named, n => Assert.Contains("variables('storagePrefix')", n, StringComparison.Ordinal));
        Assert.Equal("[variables('storagePrefix')]", AppSettings(template)["Storage__NamePrefix"]);
    }

    [Fact]
    public void EmailSecurityFollowsTheSmtpPort()
    {
        var value = AppSettings(BuildTemplate())["Email__Security"];

        var choice = Regex.Match(value, @"^\[if\(equals\(parameters\('smtpPort'\), 465\), '(?<implicitTls>\w+)', '(?<other>\w+)'\)\]$");
        Assert.True(choice.Success, $"Email__Security is {value}, not chosen by smtpPort");
        Assert.Equal(SecureSocketOptions.SslOnConnect, Enum.Parse<SecureSocketOptions>(choice.Groups["implicitTls"].Value, ignoreCase: true));
        Assert.Equal(SecureSocketOptions.StartTls, Enum.Parse<SecureSocketOptions>(choice.Groups["other"].Value, ignoreCase: true));
    }

    /// <summary>
    /// A setting under one of the app's options sections (Stripe__…, Storage__…) names a property the app
    /// binds, in the function app's settings and in local.settings.sample.json: a setting nothing reads
    /// (say Stripe__WebhookSecret, where the app reads Webhooks__Secret) is a value someone sets in vain.
    /// </summary>
    [Theory]
    [InlineData("infra/main.bicep")]
    [InlineData("local.settings.sample.json")]
    public void EverySettingOfAnOptionsSectionIsOneTheAppReads(string source)
    {
        var names = source.EndsWith(".json", StringComparison.Ordinal)
            ? JsonNode.Parse(File.ReadAllText(Path.Combine(RepoRoot, source)))!["Values"]!.AsObject().Select(p => p.Key).ToList()
            : AppSettings(BuildTemplate()).Keys.ToList();
        var sections = typeof(StorageOptions).Assembly.GetTypes()
            .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Section is { IsLiteral: true })
            // One section may be read by two options types (Webhooks: the webhook's WebhookOptions and messaging's InboxOptions).
            .GroupBy(x => (string)x.Section!.GetRawConstantValue()!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Type).ToList(), StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Stripe", sections.Keys);

        var unread = new List<string>();
        foreach (var name in names)
        {
            var path = name.Replace("__", ":", StringComparison.Ordinal);
            var section = sections.Keys.Where(s => path.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase)).MaxBy(s => s.Length);
            if (section is null)
                continue;
            var property = path[(section.Length + 1)..].Split(':')[0];
            if (sections[section].All(t => t.GetProperty(property, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is null))
                unread.Add($"{name} ({string.Join(" or ", sections[section].Select(t => t.Name))} has no {property})");
        }
        Assert.True(unread.Count == 0, $"{source} sets settings the app does not read: {string.Join(", ", unread)}");
    }

    private static Dictionary<string, string> AppSettings(JsonNode template)
    {
        var site = Assert.Single(AllResources(template), r => r.Type == "Microsoft.Web/sites");
        return (site.Node["properties"]?["siteConfig"]?["appSettings"]?.AsArray() ?? [])
            .ToDictionary(s => s?["name"]?.GetValue<string>() ?? "", s => s?["value"]?.GetValue<string>() ?? "", StringComparer.Ordinal);
    }

    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// The role definition ids granted on resources of <paramref name="scopeType"/>: a role named
    /// through <c>variables('roles').x</c>, or a copy loop over an array variable of such names.
    /// </summary>
    private static List<string> RoleGrants(JsonNode template, string scopeType)
    {
        var roles = template["variables"]?["roles"]?.AsObject()
            ?? throw new InvalidOperationException("main.bicep has no roles variable.");
        string Role(string expression)
        {
            var name = RoleReference().Match(expression);
            Assert.True(name.Success, $"cannot read a role from {expression}");
            return roles[name.Groups["name"].Value]?.GetValue<string>()
                ?? throw new InvalidOperationException($"roles has no {name.Groups["name"].Value}.");
        }

        var grants = new List<string>();
        foreach (var assignment in AllResources(template).Where(r => r.Type == "Microsoft.Authorization/roleAssignments"))
        {
            var scope = assignment.Node["scope"]?.GetValue<string>() ?? "";
            if (!scope.Contains($"resourceId('{scopeType}'", StringComparison.Ordinal))
                continue;
            var definition = assignment.Node["properties"]?["roleDefinitionId"]?.GetValue<string>() ?? "";
            var loop = CopyIndexed().Match(definition);
            if (loop.Success)
            {
                var items = template["variables"]?[loop.Groups["name"].Value]?.AsArray() ?? [];
                grants.AddRange(items.Select(i => Role(i?.GetValue<string>() ?? "")));
            }
            else
            {
                grants.Add(Role(definition));
            }
        }
        return grants;
    }

    [GeneratedRegex(@"variables\('roles'\)\.(?<name>\w+)")]
    private static partial Regex RoleReference();

    private sealed record BicepResult(int ExitCode, string StdOut, string StdErr);

    private sealed record ArmResource(string Type, JsonNode Node, IReadOnlyList<string> Names);

    private static void AssertClean(BicepResult result)
    {
        var output = result.StdErr + "\n" + result.StdOut;
        Assert.True(result.ExitCode == 0, $"bicep exited with {result.ExitCode}:\n{output}");
        var diagnostics = Diagnostic().Matches(output).Select(m => m.Value).ToList();
        Assert.True(diagnostics.Count == 0, $"bicep reported:\n{string.Join("\n", diagnostics)}");
    }

    /// <summary>Bicep prints diagnostics as "file(line,col) : Warning code: message".</summary>
    [GeneratedRegex(@"^.*\)\s*:\s*(Warning|Error)\b.*$", RegexOptions.Multiline)]
    private static partial Regex Diagnostic();

    /// <summary>One build serves every test that reads the template.</summary>
    private static readonly Lazy<BicepResult> Build = new(() => RunBicep("build", MainBicep, "--stdout", "--no-restore"));

    private static JsonNode BuildTemplate()
    {
        var result = Build.Value;
        Assert.True(result.ExitCode == 0, $"bicep build failed:\n{result.StdErr}");
        return JsonNode.Parse(result.StdOut) ?? throw new InvalidOperationException("bicep build printed no template.");
    }

    private static BicepResult RunBicep(params string[] args) => RunBicep(new Dictionary<string, string>(), args);

    private static BicepResult RunBicep(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var bicep = Metadata("BicepPath");
        Assert.True(File.Exists(bicep), $"Bicep CLI not found at {bicep} (restore Payments.Tests).");
        EnsureExecutable(bicep);

        var start = new ProcessStartInfo(bicep)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {bicep}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(BicepTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', args)} did not finish within {BicepTimeout}.");
        }
        process.WaitForExit();
        return new BicepResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>NuGet does not keep the execute bit of package files everywhere.</summary>
    private static void EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
            File.SetUnixFileMode(path, mode | execute);
    }

    // --- Reading the compiled ARM template --------------------------------------------------------

    /// <summary>Every resource, including those in nested deployments (modules), with its resolved names.</summary>
    private static List<ArmResource> AllResources(JsonNode template)
    {
        var found = new List<ArmResource>();
        Collect(template, found);
        return found;
    }

    private static void Collect(JsonNode template, List<ArmResource> found)
    {
        var resources = template["resources"] switch
        {
            JsonArray array => array.OfType<JsonNode>(),
            JsonObject symbolic => symbolic.Select(p => p.Value).OfType<JsonNode>(), // languageVersion 2.0
            _ => [],
        };
        foreach (var resource in resources)
        {
            var type = resource["type"]?.GetValue<string>() ?? "";
            found.Add(new ArmResource(type, resource, Names(template, resource)));
            if (type == "Microsoft.Resources/deployments" && resource["properties"]?["template"] is JsonNode nested)
                Collect(nested, found);
        }
    }

    /// <summary>
    /// The last segment of a resource's name: a literal, or for a copy loop over an array variable
    /// or parameter (<c>variables('x')[copyIndex()]</c>), every element of that array.
    /// </summary>
    private static List<string> Names(JsonNode template, JsonNode resource)
    {
        var name = resource["name"]?.GetValue<string>() ?? "";
        if (!name.StartsWith('['))
            return [name.Split('/')[^1]];

        var loop = CopyIndexed().Match(name);
        if (loop.Success)
        {
            var array = loop.Groups["kind"].Value == "variables"
                ? template["variables"]?[loop.Groups["name"].Value]
                : template["parameters"]?[loop.Groups["name"].Value]?["defaultValue"];
            return array is JsonArray items ? items.Select(i => i?.GetValue<string>() ?? "").ToList() : [];
        }

        var literal = LastLiteral().Match(name);
        return literal.Success ? [literal.Groups["value"].Value] : [];
    }

    [GeneratedRegex(@"(?<kind>variables|parameters)\('(?<name>[^']+)'\)\[copyIndex\(\)\]")]
    private static partial Regex CopyIndexed();

    [GeneratedRegex(@"'(?<value>[^']*)'\)\]$")]
    private static partial Regex LastLiteral();
}
