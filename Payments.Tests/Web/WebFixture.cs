using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Web;

/// <summary>
/// The pages as a person uses them: Payments.Host in Development (pages, development sign-in, /config.js pointing
/// Stripe.js at the emulator's stand-in) over Azurite, the Stripe and PayPal emulators delivering their webhooks to the
/// Host (PayPal's approve page sending the payer back to the Host's invoice page), and an SMTP sink; one Debian Chromium (driven by Playwright) for the whole collection, a browser context per person.
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    /// <summary>Debian's Chromium (`apt-get install chromium`; ./test.sh installs it when missing). Playwright's own download cannot work offline.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>As the machine's notes require on a closed network: no background connections, no sandbox as root.</summary>
    public static readonly string[] ChromiumArgs =
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public AzuriteServer Azurite { get; private set; } = null!;
    public EmulatorServer Stripe { get; private set; } = null!;
    public PaypalEmulatorServer Paypal { get; private set; } = null!;
    public SmtpSink Smtp { get; private set; } = null!;
    public PaymentsHostServer Host { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the tests write their screenshots: PAYMENTS_SCREENSHOTS_DIR (docs/screenshots to refresh the committed ones), else the test output.</summary>
    public static string ScreenshotDirectory =>
        Environment.GetEnvironmentVariable("PAYMENTS_SCREENSHOTS_DIR") is { Length: > 0 } dir
            ? Path.GetFullPath(dir, Infra.InfraTests.RepoRoot)
            : Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"The page tests need Debian's Chromium at {ChromiumPath}: run ./test.sh (it installs it) or `apt-get install -y chromium`.");
        Azurite = await AzuriteServer.StartAsync();
        Stripe = await EmulatorServer.StartAsync(EmulatorServer.RateLimitsOff);
        Paypal = await PaypalEmulatorServer.StartAsync();
        Smtp = new SmtpSink();
        // PayPal sends the payer back to the Host's invoice page, so the Host's address is known before it starts.
        var pages = $"http://127.0.0.1:{LoopbackPorts.Closed()}";
        Host = await PaymentsHostServer.StartAsync(Azurite.ConnectionString, Stripe.BaseUrl,
            ["environment=Development", $"urls={pages}", "Storage:CreateIfMissing=true", $"Email:SmtpPort={Smtp.Port}",
                .. DoorFixture.PaypalSettings(Paypal),
                $"Invoices:PaypalReturnUrl={pages}/invoices/{{invoiceId}}/paypal/return",
                $"Invoices:PaypalCancelUrl={pages}/invoices/{{invoiceId}}/paypal/cancel",
                .. PaymentsHostServer.ShortRetries]);
        await Paypal.ConfigureWebhooksAsync(new { url = new Uri(Host.BaseUrl, "/api/paypal/webhook").ToString() });
        (await Stripe.Control.PostAsJsonAsync("/_emulator/webhook_endpoints", new
        {
            url = new Uri(Host.BaseUrl, "/api/stripe/webhook").ToString(),
            secret = PaymentsHostServer.WebhookSecret,
            enabledEvents = new[] { "*" },
        })).EnsureSuccessStatusCode();
        // The development sign-in answers before any browser uses it (its first call warms the token path, which under a
        // loaded machine otherwise ate the first person's wait for the page after "Sign in").
        (await Host.Http.PostAsJsonAsync("/dev/sign-in", new { userId = "warm-up" })).EnsureSuccessStatusCode();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ChromiumArgs });
        Console.WriteLine($"[web] fixture up in {_clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>A person in their own browser context (own storage, so own sign-in), signed in through the development form.</summary>
    public async Task<BrowserPerson> SignInAsync(string userId, string? email = null)
    {
        var started = Stopwatch.StartNew();
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Host.BaseUrl.ToString(),
            Locale = "en-US",
            TimezoneId = "UTC",
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        // What the page saw, in the test's output when it fails: script errors, console lines, failed API answers.
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.PageError += (_, error) =>
        {
            Console.WriteLine($"[web {userId}] page error: {error}");
            errors.Enqueue(error);
        };
        page.Console += (_, message) =>
        {
            Console.WriteLine($"[web {userId}] console {message.Type}: {message.Text}");
            // The browser logs every 4xx answer as a console error; those are the API's, shown to the person as problems.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                errors.Enqueue(message.Text);
        };
        page.FrameNavigated += (_, frame) => { if (frame.ParentFrame is null) Console.WriteLine($"[web {userId}] at {frame.Url}"); };
        page.RequestFailed += (_, request) => Console.WriteLine($"[web {userId}] {request.Method} {request.Url} failed: {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
                Console.WriteLine($"[web {userId}] {response.Request.Method} {response.Url} → {response.Status}");
        };
        await page.GotoAsync("/sign-in?next=/invoices");
        Console.WriteLine($"[web] {userId} sign-in page in {started.Elapsed.TotalSeconds:F1} s");
        await page.GetByLabel("User id").FillAsync(userId);
        await page.GetByLabel("Email").FillAsync(email ?? $"{userId}@example.test");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The path, not a glob: "**/invoices" also matches the sign-in page's own ?next=/invoices, before the token is kept.
        // Committed, not loaded: the signed-in name below is what shows the page is ready (under a loaded machine the load
        // event of a page of ES modules can take longer than the person's next step needs).
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/invoices", new() { WaitUntil = WaitUntilState.Commit, Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync(userId);
        Console.WriteLine($"[web] {userId} signed in in {started.Elapsed.TotalSeconds:F1} s");
        return new BrowserPerson(userId, context, page, errors);
    }

    public async Task DisposeAsync()
    {
        Console.WriteLine($"[web] fixture done after {_clock.Elapsed.TotalSeconds:F1} s");
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        if (Host is not null) await Host.DisposeAsync();
        if (Stripe is not null) await Stripe.DisposeAsync();
        if (Paypal is not null) await Paypal.DisposeAsync();
        if (Smtp is not null) await Smtp.DisposeAsync();
        if (Azurite is not null) await Azurite.DisposeAsync();
    }
}

public sealed record BrowserPerson(string UserId, IBrowserContext Context, IPage Page, System.Collections.Concurrent.ConcurrentQueue<string> Errors) : IAsyncDisposable
{
    /// <summary>The page's scripts failed nowhere (a thrown error, or one they logged), whatever the page went on to show.</summary>
    public void AssertNoScriptErrors() => Xunit.Assert.True(Errors.IsEmpty, $"{UserId}'s page: {string.Join(" | ", Errors)}");

    public ValueTask DisposeAsync() => new(Context.CloseAsync());
}

[CollectionDefinition(Name)]
public sealed class WebTestGroup : ICollectionFixture<WebFixture>
{
    public const string Name = "web";
}
