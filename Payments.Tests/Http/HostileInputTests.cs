using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Payments.Core.Http;
using Payments.Core.Messaging;
using Payments.Tests.Infrastructure;
using Payments.Tests.Purchases;
using Xunit;
using Xunit.Abstractions;

namespace Payments.Tests.Http;

/// <summary>
/// Its own Azurite, Stripe emulator and Host, so nothing else writes while the hostile run is compared
/// before and after; every message Core sends is counted through a decorator around the sender.
/// </summary>
public sealed class HostileFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;
    public EmulatorServer Stripe { get; private set; } = null!;
    public PaymentsHostServer Host { get; private set; } = null!;
    public CountingMessageSender Sends => (CountingMessageSender)Host.Get<IMessageSender>();

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        // Limits off, as in DoorFixture: the hostile run compares state, not Stripe's request budget.
        Stripe = await EmulatorServer.StartAsync(EmulatorServer.RateLimitsOff);
        Host = await PaymentsHostServer.StartAsync(Azurite.ConnectionString, Stripe.BaseUrl, CountingMessageSender.Decorate);
    }

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (Stripe is not null) await Stripe.DisposeAsync();
        if (Azurite is not null) await Azurite.DisposeAsync();
    }
}

/// <summary>Counts what Core sends to its queues, whichever transport the Host registered.</summary>
public sealed class CountingMessageSender(IMessageSender inner) : IMessageSender
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public Task SendAsync(QueueMessage message, CancellationToken ct)
    {
        Interlocked.Increment(ref _count);
        return inner.SendAsync(message, ct);
    }

    public Task ScheduleAsync(QueueMessage message, DateTimeOffset at, CancellationToken ct)
    {
        Interlocked.Increment(ref _count);
        return inner.ScheduleAsync(message, at, ct);
    }

    public Task SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken ct)
    {
        Interlocked.Add(ref _count, messages.Count);
        return inner.SendBatchAsync(messages, ct);
    }

    public static void Decorate(IServiceCollection services)
    {
        var original = services.Last(d => d.ServiceType == typeof(IMessageSender));
        services.Remove(original);
        services.AddSingleton<IMessageSender>(sp => new CountingMessageSender(
            (IMessageSender)(original.ImplementationInstance
                ?? original.ImplementationFactory?.Invoke(sp)
                ?? ActivatorUtilities.CreateInstance(sp, original.ImplementationType!))));
    }
}

/// <summary>
/// For a fixed seed, well over a thousand hostile requests across every route of the route table:
/// each answer is a 4xx problem+json with a stable code (never a 5xx), and afterwards no table row,
/// blob, queue message or Stripe write exists that the valid set-up requests did not make.
/// </summary>
public sealed partial class HostileInputTests(HostileFixture fixture, ITestOutputHelper output) : IClassFixture<HostileFixture>
{
    private const int Seed = 20261127;
    private const int Requests = 1200;
    private PaymentsHostServer Host => fixture.Host;

    private sealed record Route(string Method, RoutePattern Pattern)
    {
        public bool HasId => Pattern.Parameters.Count > 0;
        public bool IsWebhook => Pattern.RawText!.EndsWith("/stripe/webhook", StringComparison.Ordinal) || IsPaypalWebhook;
        public bool IsPaypalWebhook => Pattern.RawText!.EndsWith("/paypal/webhook", StringComparison.Ordinal);
        public bool IsMine => Pattern.RawText!.Contains("/me/", StringComparison.Ordinal);
        public bool SendsBody => Method is "POST" or "PUT";
        public override string ToString() => $"{Method} {Pattern.RawText}";
    }

    private sealed record Hostile(string Kind, HttpRequestMessage Request, bool MayBeAnsweredOk = false)
    {
        public string Route { get; init; } = "";
    }

    private sealed record Owner(string UserId, string CardId, string PurchaseId);

    [Fact]
    public async Task Hostile_requests_get_4xx_problems_and_change_nothing()
    {
        var routes = RouteTable();
        Assert.True(routes.Count >= 25, $"only {routes.Count} routes found");
        var owner = await SetUpValidStateAsync();
        var before = await SnapshotAsync();

        var rng = new Random(Seed);
        // Every kind of hostile request once on every route it applies to, then a seeded random mix.
        var hostile = routes.SelectMany(route => KindsFor(route).Distinct().Select(kind => Generate(rng, route, owner, kind)))
            .Concat(Enumerable.Range(0, Requests).Select(_ => Generate(rng, routes[rng.Next(routes.Count)], owner))).ToList();
        var failures = new List<(string Group, string Example)>();
        var kinds = new Dictionary<string, int>();
        var reached = routes.ToDictionary(r => r.ToString(), _ => new SortedSet<int>());
        using var http = new HttpClient { BaseAddress = Host.BaseUrl };
        using var gate = new SemaphoreSlim(6);
        await Task.WhenAll(hostile.Select(async h =>
        {
            await gate.WaitAsync();
            try
            {
                var (status, problem) = await CheckAsync(http, h);
                lock (failures)
                {
                    kinds[h.Kind] = kinds.GetValueOrDefault(h.Kind) + 1;
                    reached[h.Route].Add(status);
                    if (problem is not null)
                        failures.Add(($"{h.Kind} {h.Route} {problem.Split(':')[0].Split('→').Last().Trim()}", problem));
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        foreach (var (kind, count) in kinds.OrderBy(k => k.Key))
            output.WriteLine($"{kind}: {count}");
        Assert.True(failures.Count == 0, $"{failures.Count} bad answers; one of each kind:\n"
            + string.Join("\n", failures.GroupBy(f => f.Group).Select(g => $"{g.Count()} × {g.First().Example}")));
        var after = await SnapshotAsync();
        Assert.Equal(before.Rows, after.Rows);
        Assert.Equal(before.StripeWrites, after.StripeWrites);
        Assert.Equal(before.Sends, after.Sends);
        AssertTheContractHolds(routes, reached);
    }

    /// <summary>
    /// The OpenAPI contract against what the routes answered: every status a route gave is documented for it, and
    /// every problem status documented for input a caller can get wrong (token, role, body, header, query, id) was given.
    /// Problems that need a particular state (402, 409, 422) are each shown by their capability's tests.
    /// </summary>
    private static void AssertTheContractHolds(List<Route> routes, Dictionary<string, SortedSet<int>> reached)
    {
        var document = System.Text.Json.Nodes.JsonNode.Parse(OpenApiDocumentTests.Committed())!["paths"]!;
        var wrong = new List<string>();
        foreach (var route in routes.Where(r => r.Pattern.RawText != OpenApiContract.Path)) // the document does not describe itself
        {
            var documented = document[route.Pattern.RawText!]?[route.Method.ToLowerInvariant()]?["responses"]?.AsObject()
                .Select(r => int.Parse(r.Key, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet() ?? [];
            var answered = reached[route.ToString()];
            foreach (var status in answered.Where(s => !documented.Contains(s)))
                wrong.Add($"{route} answered {status}, which its OpenAPI operation does not document");
            foreach (var status in documented.Where(s => s is 400 or 401 or 403 or 404 or 415 && !answered.Contains(s)))
                wrong.Add($"{route} documents {status}, which no hostile request produced");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>Every route that takes input: the health probes take none (no token, body or id) and always answer (HealthTests).</summary>
    private List<Route> RouteTable() =>
        Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .Where(e => !e.RoutePattern.RawText!.StartsWith("/api/health/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => new Route(m, e.RoutePattern)))
            .OrderBy(r => r.ToString(), StringComparer.Ordinal)
            .ToList();

    /// <summary>What valid requests make first: a user with a saved card and a purchase, whose ids the hostile requests aim at.</summary>
    private async Task<Owner> SetUpValidStateAsync()
    {
        var user = PaymentsFixture.NewUserId("owner");
        var (client, cardId, _) = await PurchaseTestKit.UserWithCardAsync(Host, user);
        using (client)
        {
            var bought = await HttpAssert.JsonAsync(await PurchaseTestKit.BuyAsync(client, new { items = PurchaseTestKit.GoldenCart, paymentMethodId = cardId }),
                HttpStatusCode.Created);
            return new Owner(user, cardId, bought.Id());
        }
    }

    private async Task<(string Rows, int StripeWrites, int Sends)> SnapshotAsync()
    {
        var rows = new StringBuilder();
        var service = new TableServiceClient(fixture.Azurite.ConnectionString);
        await foreach (var table in service.QueryAsync())
        {
            await foreach (var e in service.GetTableClient(table.Name).QueryAsync<TableEntity>())
                rows.Append(table.Name).Append('|').Append(e.PartitionKey).Append('|').Append(e.RowKey).Append('|').Append(e.ETag).Append('\n');
        }
        var blobs = new BlobServiceClient(fixture.Azurite.ConnectionString);
        await foreach (var container in blobs.GetBlobContainersAsync())
        {
            await foreach (var blob in blobs.GetBlobContainerClient(container.Name).GetBlobsAsync())
                rows.Append(container.Name).Append('/').Append(blob.Name).Append('\n');
        }
        // Reads (GET) change nothing in Stripe; asking whether a well-formed id exists is a read.
        var writes = (await fixture.Stripe.RequestsAsync()).Count(r => r.GetProperty("method").GetString() != "GET");
        return (rows.ToString(), writes, fixture.Sends.Count);
    }

    private static async Task<(int Status, string? Problem)> CheckAsync(HttpClient http, Hostile h)
    {
        using var response = await http.SendAsync(h.Request);
        var status = (int)response.StatusCode;
        return (status, await ProblemWithAsync(h, response, status));
    }

    private static async Task<string?> ProblemWithAsync(Hostile h, HttpResponseMessage response, int status)
    {
        var what = $"[{h.Kind}] {h.Request.Method} {h.Request.RequestUri}";
        var body = await response.Content.ReadAsStringAsync();
        if (h.MayBeAnsweredOk && status == 200)
            return null;
        if (status is < 400 or > 499)
            return $"{what} → {status}: {Cut(body)}";
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return $"{what} → {status} as {response.Content.Headers.ContentType}: {Cut(body)}";
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            var code = problem.TryGetProperty("code", out var c) ? c.GetString() : null;
            if (code is null || !StableCode().IsMatch(code) || problem.GetProperty("status").GetInt32() != status)
                return $"{what} → {status} without a stable code: {Cut(body)}";
        }
        catch (JsonException)
        {
            return $"{what} → {status}, not JSON: {Cut(body)}";
        }
        return null;
    }

    private static string Cut(string s) => s.Length > 300 ? s[..300] + "…" : s;

    // ---- Generating hostile requests ----

    private static readonly string[] FieldNames =
    [
        "items", "productId", "quantity", "unitAmount", "paymentMethodId", "captureMethod", "amount", "reason", "carrier", "trackingNumber",
        "devices", "subscription", "name", "shippingAddress", "adminEmail", "billingEmail", "currency", "kind", "shippingPerUnit", "active",
    ];

    private static readonly string[] QueryKeys = ["status", "limit", "continuation", "adminEmail"];

    /// <summary>The kinds of hostile request that apply to a route, weighted.</summary>
    private static List<string> KindsFor(Route route)
    {
        if (route.IsWebhook)
            return ["webhook_forgery"];
        var kinds = new List<string> { "bad_token" };
        if (route.HasId) kinds.AddRange(["odd_id", "odd_id", "unknown_id"]);
        if (route.HasId && route.IsMine) kinds.Add("other_users_object");
        if (!route.IsMine) kinds.Add("user_on_admin_route");
        if (route.SendsBody) kinds.AddRange(["bad_body", "bad_body", "bad_body", "wrong_content_type", "bad_idempotency_key"]);
        if (route.Method == "GET") kinds.Add("odd_query");
        return kinds;
    }

    private static Hostile Generate(Random rng, Route route, Owner owner, string? kind = null)
    {
        if (route.IsPaypalWebhook)
            return PaypalWebhook(rng);
        if (route.IsWebhook)
            return Webhook(rng);
        var kinds = KindsFor(route);
        kind ??= kinds[rng.Next(kinds.Count)];

        // Valid callers only ever aim at ids that do not exist, or at another user's, so no hostile request can touch real state.
        var token = route.IsMine ? Token(rng.Next(2) == 0 ? "hostile-b" : "hostile-c") : Token("hostile-admin", "admin");
        var id = UnknownId(rng);
        var query = "";
        HttpContent? content = route.SendsBody ? BadBody(rng) : null;
        string? idempotencyKey = rng.Next(3) == 0 ? Guid.NewGuid().ToString() : null;
        switch (kind)
        {
            case "bad_token":
                token = BadToken(rng);
                if (route.SendsBody && rng.Next(2) == 0)
                    content = JsonContent.Create(new { });
                break;
            case "odd_id":
                id = OddId(rng);
                break;
            case "unknown_id":
                // Everything else right, so that the missing object is what the route answers.
                content = ValidBodyFor(route);
                idempotencyKey = Guid.NewGuid().ToString();
                break;
            case "other_users_object":
                id = route.Pattern.RawText!.Contains("purchases", StringComparison.Ordinal) ? owner.PurchaseId : owner.CardId;
                break;
            case "user_on_admin_route":
                token = Token(rng.Next(2) == 0 ? owner.UserId : "hostile-b");
                break;
            case "wrong_content_type":
                // With a good key, so that the content type is what the route refuses (not a missing Idempotency-Key).
                content = WrongContentType(rng);
                idempotencyKey = Guid.NewGuid().ToString();
                break;
            case "bad_idempotency_key":
                idempotencyKey = BadIdempotencyKey(rng);
                break;
            case "odd_query":
                query = "?" + string.Join("&", Enumerable.Range(0, rng.Next(1, 3)).Select(_ => $"{QueryKeys[rng.Next(QueryKeys.Length)]}={OddQueryValue(rng)}"));
                break;
        }

        var path = route.Pattern.RawText!;
        foreach (var parameter in route.Pattern.Parameters)
            path = path.Replace("{" + parameter.Name + "}", Uri.EscapeDataString(id), StringComparison.Ordinal);
        var request = new HttpRequestMessage(new HttpMethod(route.Method), path + query) { Content = content };
        if (token is not null)
            request.Headers.TryAddWithoutValidation("Authorization", token);
        if (idempotencyKey is not null)
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        // A read may ignore a query key it does not take; what matters there is no 5xx and no change.
        return new Hostile(kind, request, MayBeAnsweredOk: kind == "odd_query") { Route = route.ToString() };
    }

    /// <summary>A body each route with an id accepts, or none where it takes none (or may take none).</summary>
    private static StringContent? ValidBodyFor(Route route) => (route.Method, route.Pattern.RawText) switch
    {
        (_, "/api/purchases/{id}/shipment" or "/api/fulfilment-orders/{id}/shipment" or "/api/invoices/{id}/shipment") =>
            Raw("""{"carrier":"UPS","trackingNumber":"1Z999"}"""),
        ("PUT", "/api/invoices/{id}/items") => Raw("""{"items":[{"productId":"poster","quantity":1}]}"""),
        (_, "/api/invoices/{id}/checkout") =>
            Raw("""{"mode":"split","shippingAddress":{"name":"Ann","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"}}"""),
        (_, "/api/invoices/{id}/refunds") => Raw("""{"memberId":"hostile-member"}"""),
        ("PUT", "/api/products/{id}") => Raw("""{"name":"x","unitAmount":-1,"currency":"USD","kind":"digital"}"""),
        _ => null,
    };

    private static string Token(string userId, params string[] roles) => "Bearer " + PaymentsHostServer.Token(userId, roles);

    private static string? BadToken(Random rng) => rng.Next(9) switch
    {
        0 => null,
        1 => "Bearer",
        2 => "Bearer not.a.jwt",
        3 => "Basic " + Convert.ToBase64String("admin:admin"u8.ToArray()),
        4 => "Bearer " + Mint("hostile-b", PaymentsHostServer.SigningKey, DateTime.UtcNow.AddHours(-2), DateTime.UtcNow.AddHours(-1)),
        5 => "Bearer " + Mint("hostile-b", "another-signing-key-0123456789-abcdefghijkl", DateTime.UtcNow, DateTime.UtcNow.AddHours(1)),
        6 => "Bearer " + Mint("a/b#c?" + new string('x', rng.Next(300)), PaymentsHostServer.SigningKey, DateTime.UtcNow, DateTime.UtcNow.AddHours(1)),
        7 => "Bearer " + new string('A', rng.Next(100, 4000)),
        _ => "Bearer eyJhbGciOiJub25lIn0." + Convert.ToBase64String("""{"sub":"hostile-b","roles":["admin"]}"""u8.ToArray()).TrimEnd('=') + ".",
    };

    private static string Mint(string subject, string key, DateTime notBefore, DateTime expires) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["roles"] = JsonSerializer.SerializeToElement(new[] { "admin" }) },
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires,
            SigningCredentials = new SigningCredentials(DevelopmentTokens.SigningKey(key), SecurityAlgorithms.HmacSha256),
        });

    /// <summary>Well-formed ids of things that do not exist.</summary>
    private static string UnknownId(Random rng) => rng.Next(6) switch
    {
        0 => "pur_" + Hex(rng, 24),
        1 => "card_" + Base32(rng, 20),
        2 => "sale_" + Base32(rng, 20),
        3 => "evt_" + Base32(rng, 24),
        4 => "hostile-" + Hex(rng, 8),
        _ => "fo_" + Base32(rng, 20),
    };

    private static string OddId(Random rng) => rng.Next(16) switch
    {
        0 => new string('x', rng.Next(65, 2000)),
        1 => "pur_" + new string('f', rng.Next(40, 400)),
        2 => "card_" + Base32(rng, 20).ToUpperInvariant(),
        3 => "../../etc/passwd",
        4 => "a/b",
        5 => "sale_\u0001\u0002" + Base32(rng, 18),
        6 => "evt_#" + Base32(rng, 10),
        7 => "evt_?x=1",
        8 => "evt_\\" + Base32(rng, 5),
        9 => "\u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9-" + Base32(rng, 4),
        10 => "' OR 1 eq 1 or PartitionKey ne '",
        11 => "\U0001F4B3" + new string('9', 16),
        12 => "4242424242424242",
        13 => "evt_" + new string('z', rng.Next(300, 1500)),
        14 => "%00",
        _ => " ",
    };

    private static string OddQueryValue(Random rng) => Uri.EscapeDataString(rng.Next(14) switch
    {
        0 => "",
        1 => "ALL",
        2 => "-1",
        3 => "99999999999999999999",
        4 => "1.5",
        5 => "\u0001",
        6 => new string('q', rng.Next(200, 3000)),
        7 => "!!!",
        8 => Convert.ToBase64String(Encoding.UTF8.GetBytes("garbage " + Base32(rng, 10))).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        9 => "a@b.c\u0001",
        10 => "x@y.z/#?",
        11 => "' or '1' eq '1",
        12 => "AAAA",
        _ => "live&status=all",
    });

    private static string BadIdempotencyKey(Random rng) => rng.Next(6) switch
    {
        0 => "",
        1 => new string('k', rng.Next(101, 1000)),
        2 => "has space",
        3 => "slash/and#hash",
        4 => "quote'\"",
        _ => "tab\tkey",
    };

    private static HttpContent BadBody(Random rng) => rng.Next(9) switch
    {
        8 => Raw(BadValues(rng)),
        0 => Raw(MalformedJson(rng)),
        1 => Raw(WrongTypes(rng)),
        2 => Raw(UnknownFields(rng)),
        3 => Raw(DeeplyNested(rng)),
        4 => Raw("{\"name\":\"" + new string('h', rng.Next(17 * 1024, 200 * 1024)) + "\"}"),
        5 => Chunked("{\"items\":[" + string.Join(",", Enumerable.Repeat("{\"productId\":\"poster\",\"quantity\":1}", rng.Next(600, 3000))) + "]}"),
        6 => new ByteArrayContent([0xEF, 0xBB, 0xBF, 0xFF, 0xFE, 0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]) { Headers = { ContentType = new("application/json") } },
        _ => Raw(rng.Next(4) switch { 0 => "null", 1 => "[]", 2 => "\"text\"", _ => "42" }),
    };

    private static string MalformedJson(Random rng)
    {
        string[] broken =
        [
            "{", "}", "{\"a\":}", "[1,2", "{\"paymentMethodId\":\"pm_card_visa\",}", "{'items':[]}", "{items:[]}", "/* c */{}",
            "{\"a\":1}{\"b\":2}", "{\"amount\":1e400}", "{\"amount\":NaN}", "{\"amount\":0x10}", "nul", "{\"a\":\"\\u12\"}", "\u0000",
        ];
        return broken[rng.Next(broken.Length)];
    }

    /// <summary>Known field names, each with a value of a type no route accepts for that name.</summary>
    private static string WrongTypes(Random rng)
    {
        var fields = FieldNames.OrderBy(_ => rng.Next()).Take(rng.Next(1, 6));
        return "{" + string.Join(",", fields.Select(f => $"\"{f}\":{WrongValue(f, rng)}")) + "}";
    }

    private static string WrongValue(string field, Random rng)
    {
        var numeric = field is "quantity" or "unitAmount" or "amount" or "devices" or "shippingPerUnit";
        var boolean = field is "subscription" or "active";
        string[] forStrings = ["1", "true", "[]", "{}", "-0", "[\"x\"]"];
        string[] forNumbers = ["\"12\"", "1.5", "true", "[]", "{}", "1e30", "99999999999999999999999"];
        string[] forBooleans = ["\"true\"", "1", "[]", "{}"];
        string[] forStructures = ["\"x\"", "7", "true"];
        var pool = field is "items" or "shippingAddress" ? forStructures : numeric ? forNumbers : boolean ? forBooleans : forStrings;
        return pool[rng.Next(pool.Length)];
    }

    /// <summary>Known field names with the right types but values no route accepts (a payment method that does not exist, a negative amount...).</summary>
    private static string BadValues(Random rng)
    {
        (string Field, string Value)[] bad =
        [
            ("items", "[]"), ("items", "[{\"productId\":\"NOPE!\",\"quantity\":0}]"), ("paymentMethodId", "\"pm_doesNotExist123\""),
            ("paymentMethodId", "\"pm_4242 4242 4242 4242\""), ("amount", "-5"), ("amount", "0"), ("reason", "\"because\""), ("carrier", "\"\""),
            ("trackingNumber", "\"\""), ("devices", "-1"), ("name", "\"  \""), ("adminEmail", "\"not-an-email\""), ("billingEmail", "\"x@\""),
            ("currency", "\"usd\""), ("kind", "\"gadget\""), ("shippingPerUnit", "-1"), ("unitAmount", "-1"), ("captureMethod", "\"later\""),
            ("shippingAddress", "{\"line1\":\"\",\"city\":\"c\",\"postalCode\":\"#\",\"country\":\"usa\"}"),
        ];
        var picked = bad.OrderBy(_ => rng.Next()).DistinctBy(b => b.Field).Take(rng.Next(1, 5));
        return "{" + string.Join(",", picked.Select(b => $"\"{b.Field}\":{b.Value}")) + "}";
    }

    private static string UnknownFields(Random rng) =>
        "{\"" + rng.Next(3) switch { 0 => "__proto__", 1 => "userId", _ => "hostile_" + Base32(rng, 6) } + "\":" + rng.Next(1000) + "}";

    private static string DeeplyNested(Random rng)
    {
        var depth = rng.Next(65, 4000);
        return rng.Next(2) == 0
            ? "{\"items\":" + new string('[', depth) + new string(']', depth) + "}"
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
    }

    private static ByteArrayContent WrongContentType(Random rng)
    {
        var json = "{\"paymentMethodId\":\"pm_card_visa\",\"items\":[{\"productId\":\"poster\",\"quantity\":1}]}";
        return rng.Next(5) switch
        {
            0 => new StringContent(json, Encoding.UTF8, "text/plain"),
            1 => new FormUrlEncodedContent(new Dictionary<string, string> { ["paymentMethodId"] = "pm_card_visa" }),
            2 => new StringContent("<purchase><amount>1</amount></purchase>", Encoding.UTF8, "application/xml"),
            3 => new ByteArrayContent(Encoding.UTF8.GetBytes(json)),
            _ => new StringContent(json, Encoding.UTF8, "application/jsonx"),
        };
    }

    private static StringContent Raw(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>No Content-Length: the size limit must hold while reading.</summary>
    private static StreamContent Chunked(string body) =>
        new(new UnseekableStream(Encoding.UTF8.GetBytes(body))) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

    private static Hostile Webhook(Random rng)
    {
        var body = rng.Next(4) switch
        {
            0 => """{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1,"data":{"object":{"id":"pi_1"}}}""",
            1 => MalformedJson(rng),
            2 => DeeplyNested(rng),
            _ => new string('w', rng.Next(10, 300_000)),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/stripe/webhook") { Content = Raw(body) };
        var signature = rng.Next(5) switch
        {
            0 => null,
            1 => "garbage",
            2 => $"t={DateTimeOffset.UtcNow.ToUnixTimeSeconds()},v1={Hex(rng, 64)}",
            3 => $"t=1,v1={Hex(rng, 64)}",
            _ => "t=" + new string('9', 40) + ",v1=,v0=" + Hex(rng, 64),
        };
        if (signature is not null)
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        return new Hostile("webhook_forgery", request) { Route = "POST /api/stripe/webhook" };
    }

    /// <summary>PayPal's five signature headers, each left out, garbled or plausible; none signed with a certificate the Host trusts.</summary>
    private static Hostile PaypalWebhook(Random rng)
    {
        var body = rng.Next(4) switch
        {
            0 => """{"id":"WH-1","event_type":"CHECKOUT.ORDER.APPROVED","create_time":"2026-01-01T00:00:00Z","resource_type":"checkout-order","resource":{"id":"5O190127TN364715T"}}""",
            1 => MalformedJson(rng),
            2 => DeeplyNested(rng),
            _ => new string('w', rng.Next(10, 300_000)),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/paypal/webhook") { Content = Raw(body) };
        string?[] values =
        [
            Guid.NewGuid().ToString(),
            rng.Next(3) == 0 ? "yesterday" : DateTimeOffset.UtcNow.AddSeconds(rng.Next(-900, 900)).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            rng.Next(2) == 0 ? "garbage" : Convert.ToBase64String(Encoding.ASCII.GetBytes(Hex(rng, 64))),
            rng.Next(3) switch { 0 => "http://api.paypal.com/v1/notifications/certs/CERT-1", 1 => "https://evil.example/cert.pem", _ => "file:///etc/passwd" },
            rng.Next(3) == 0 ? "SHA1withRSA" : "SHA256withRSA",
        ];
        string[] names = ["PAYPAL-TRANSMISSION-ID", "PAYPAL-TRANSMISSION-TIME", "PAYPAL-TRANSMISSION-SIG", "PAYPAL-CERT-URL", "PAYPAL-AUTH-ALGO"];
        for (var i = 0; i < names.Length; i++)
        {
            if (rng.Next(6) != 0)
                request.Headers.TryAddWithoutValidation(names[i], values[i]);
        }
        return new Hostile("webhook_forgery", request) { Route = "POST /api/paypal/webhook" };
    }

    private static string Hex(Random rng, int length) => string.Concat(Enumerable.Range(0, length).Select(_ => "0123456789abcdef"[rng.Next(16)]));

    private static string Base32(Random rng, int length) =>
        string.Concat(Enumerable.Range(0, length).Select(_ => "0123456789abcdefghjkmnpqrstvwxyz"[rng.Next(32)]));

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex StableCode();

    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
