using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Payments.Tests.Infrastructure;
using Payments.Tests.Invoices;
using Xunit;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Payments.Tests.Web;

/// <summary>
/// The invoice page in a real browser (Debian's Chromium through Playwright), against the Host in Development, the
/// Stripe emulator and its Stripe.js stand-in: what people do, by the labels and buttons they see. Waits are
/// Playwright's retrying assertions (they poll the page until it shows the state, or fail after the timeout).
/// </summary>
[Collection(WebTestGroup.Name)]
public sealed class InvoicePageTests(WebFixture fixture, ITestOutputHelper output)
{
    private const string Visa = "4242 4242 4242 4242";
    private const string ThreeDSecureCard = "4000 0027 6000 3184";

    static InvoicePageTests() => SetDefaultExpectTimeout(15_000);

    [Fact]
    public async Task Three_people_fill_one_cart_the_organiser_splits_it_they_pay_three_ways_every_page_turns_funded_and_a_member_is_refunded()
    {
        var clock = Stopwatch.StartNew();
        // Three people at once, each in their own browser context (the test's waits are the slowest part on two cores).
        var people = await Task.WhenAll(fixture.SignInAsync("alice"), fixture.SignInAsync("bob"), fixture.SignInAsync("carol"));
        await using var alice = people[0];
        await using var bob = people[1];
        await using var carol = people[2];
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: signed in");

        // Alice starts the invoice and shares its link; Bob and Carol join by it.
        await alice.Page.GetByLabel("Title").FillAsync("Tour merch");
        await alice.Page.GetByRole(AriaRole.Button, new() { Name = "Create invoice" }).ClickAsync();
        await alice.Page.WaitForURLAsync("**/invoices/inv_*");
        var invoiceId = alice.Page.Url.Split('/')[^1];
        var link = await alice.Page.GetByTestId("join-link").GetAttributeAsync("href");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: created");
        await Task.WhenAll(new[] { bob, carol }.Select(async member =>
        {
            await member.Page.GotoAsync(link!);
            await member.Page.GetByRole(AriaRole.Button, new() { Name = "Join invoice" }).ClickAsync();
            await member.Page.WaitForURLAsync($"**/invoices/{invoiceId}");
        }));

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: joined");
        // Each fills in their own items: the README's golden cart.
        await Task.WhenAll(AddItemAsync(alice.Page, "livestream", 2), AddItemAsync(bob.Page, "meet-and-greet", 1), AddItemAsync(carol.Page, "poster", 1));
        await Expect(alice.Page.Locator("[data-member=carol]")).ToContainTextAsync("Poster × 1");
        await Expect(alice.Page.Locator("[data-member=bob]")).ToContainTextAsync("Meet and greet × 1");

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: items");
        // The organiser previews the split, then checks out: 7134 / 7133 / 7133 of 21400.
        var page = alice.Page;
        await page.GetByLabel("Split equally").CheckAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Alice Example");
        await page.GetByLabel("Address", new() { Exact = true }).FillAsync("1 Main St");
        await page.GetByLabel("City").FillAsync("Springfield");
        await page.GetByLabel("State or region").FillAsync("IL");
        await page.GetByLabel("Postal code").FillAsync("62701");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview shares" }).ClickAsync();
        await Expect(page.Locator("[data-preview=alice]")).ToContainTextAsync("$71.34");
        await Expect(page.Locator("[data-preview=bob]")).ToContainTextAsync("$71.33");
        await Expect(page.Locator("[data-preview=carol]")).ToContainTextAsync("$71.33");
        await page.GetByRole(AriaRole.Button, new() { Name = "Check out and lock the cart" }).ClickAsync();
        await Expect(page.GetByTestId("invoice-status")).ToHaveAttributeAsync("data-status", "checked_out");
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("$214.00");
        await Expect(ShareAmount(page, "alice")).ToHaveTextAsync("$71.34");
        await Expect(ShareAmount(page, "bob")).ToHaveTextAsync("$71.33");
        await Expect(ShareAmount(page, "carol")).ToHaveTextAsync("$71.33");

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: checked out");
        // Bob pays his share with the card he saved earlier.
        using (var bobApi = fixture.Host.ClientFor("bob"))
            Assert.Equal(HttpStatusCode.Created, (await bobApi.PostAsJsonAsync("/api/me/payment-methods", new { paymentMethodId = "pm_card_visa" })).StatusCode);
        await bob.Page.Locator("[data-pay=bob]").ClickAsync();
        var dialog = bob.Page.Locator("dialog[open]");
        await Expect(dialog.GetByLabel("Visa •••• 4242")).ToBeCheckedAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Pay $71.33" }).ClickAsync();
        await Expect(Share(bob.Page, "bob")).ToHaveAttributeAsync("data-status", "authorized");

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: bob paid");
        // Carol adds a card that asks for 3-D Secure through Stripe.js (the emulator's stand-in), then pays with it.
        await carol.Page.GotoAsync("/cards");
        await carol.Page.GetByRole(AriaRole.Button, new() { Name = "Add a card" }).ClickAsync();
        await FillCardAsync(carol.Page.Locator("#add"), ThreeDSecureCard);
        await carol.Page.GetByRole(AriaRole.Button, new() { Name = "Save card" }).ClickAsync();
        await carol.Page.GetByRole(AriaRole.Button, new() { Name = "Complete authentication" }).ClickAsync();
        await Expect(carol.Page.Locator("#added")).ToHaveTextAsync("Saved Visa •••• 3184.");
        await Expect(carol.Page.GetByTestId("cards")).ToContainTextAsync("Visa •••• 3184");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: carol's card saved");
        await carol.Page.GotoAsync($"/invoices/{invoiceId}");
        await carol.Page.Locator("[data-pay=carol]").ClickAsync();
        await carol.Page.Locator("dialog[open]").GetByRole(AriaRole.Button, new() { Name = "Pay $71.33" }).ClickAsync();
        await carol.Page.GetByRole(AriaRole.Button, new() { Name = "Complete authentication" }).ClickAsync();
        await Expect(Share(carol.Page, "carol")).ToHaveAttributeAsync("data-status", "authorized");

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: carol paid");
        // Bob covers Alice's share with a new card typed into the Payment Element: the last share funds the invoice.
        await Expect(bob.Page.Locator("[data-pay=alice]")).ToHaveTextAsync("Cover alice");
        await bob.Page.Locator("[data-pay=alice]").ClickAsync();
        dialog = bob.Page.Locator("dialog[open]");
        await dialog.GetByLabel("A new card").CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Pay $71.34" }).ClickAsync();
        await FillCardAsync(dialog, Visa);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Pay $71.34" }).ClickAsync();

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: bob covered alice");
        // Every open page sees it funded, by itself.
        await Task.WhenAll(new[] { alice, bob, carol }.Select(person =>
            Expect(person.Page.GetByTestId("invoice-status")).ToHaveAttributeAsync("data-status", "funded")));
        await Expect(Share(alice.Page, "alice")).ToContainTextAsync("bob");
        foreach (var member in new[] { "alice", "bob", "carol" })
            await Expect(Share(alice.Page, member)).ToHaveAttributeAsync("data-status", "captured");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: funded everywhere");
        await ScreenshotsAsync(alice.Page, "organiser");
        await ScreenshotsAsync(carol.Page, "member");

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: screenshots");
        // The organiser refunds Bob 20.00 (an item the shop could not supply).
        await page.GetByLabel("Member").SelectOptionAsync("bob");
        await page.GetByLabel("Amount").FillAsync("20.00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Refund", Exact = true }).ClickAsync();
        await Expect(page.Locator("[data-refund=bob]")).ToHaveAttributeAsync("data-status", "succeeded");
        await Expect(page.Locator("[data-refund=bob]")).ToContainTextAsync("$20.00");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: refunded");
        await bob.Page.ReloadAsync();
        await Expect(bob.Page.Locator("[data-refund=bob]")).ToContainTextAsync("$20.00");

        // The organiser's next steps, then the invoice as My invoices lists it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Mark as ordered" }).ClickAsync();
        await Expect(page.GetByTestId("invoice-status")).ToHaveAttributeAsync("data-status", "ordered");
        await page.GetByLabel("Carrier").FillAsync("UPS");
        await page.GetByLabel("Tracking number").FillAsync("1Z999");
        await page.GetByRole(AriaRole.Button, new() { Name = "Mark as shipped" }).ClickAsync();
        await Expect(page.GetByTestId("invoice-status")).ToHaveAttributeAsync("data-status", "shipped");
        await Expect(page.GetByTestId("shipment")).ToContainTextAsync("UPS, tracking 1Z999");
        await page.GetByRole(AriaRole.Link, new() { Name = "My invoices" }).First.ClickAsync();
        var listed = page.Locator($"[data-invoice={invoiceId}]");
        await Expect(listed).ToContainTextAsync("organiser");
        await Expect(listed).ToContainTextAsync("shipped");
        await Expect(listed).ToContainTextAsync("$71.34");

        // Carol removes her card (confirming the browser's question).
        await carol.Page.GotoAsync("/cards");
        carol.Page.Dialog += (_, question) => question.AcceptAsync();
        await carol.Page.GetByRole(AriaRole.Button, new() { Name = "Remove Visa •••• 3184" }).ClickAsync();
        await Expect(carol.Page.Locator("#cards")).ToHaveTextAsync("No saved cards.");
        output.WriteLine($"golden flow in the browser: {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var person in people)
            person.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_declined_card_shows_the_refusal_and_what_to_do_and_the_share_stays_payable()
    {
        var (id, _, frank) = await CheckedOutPairAsync();
        var card = await frank.SaveCardAsync();
        var stripeId = await InvoiceTestKit.StripeIdOfAsync(fixture.Host, frank, card);
        (await fixture.Stripe.Control.PostAsJsonAsync($"/_emulator/payment_methods/{stripeId}/decline",
            new { code = "card_declined", declineCode = "insufficient_funds" })).EnsureSuccessStatusCode();

        await using var browser = await fixture.SignInAsync(frank.UserId, frank.Email);
        await browser.Page.GotoAsync($"/invoices/{id}");
        await browser.Page.Locator($"[data-pay='{frank.UserId}']").ClickAsync();
        var dialog = browser.Page.Locator("dialog[open]");
        await dialog.GetByRole(AriaRole.Button, new() { NameRegex = new("^Pay \\$") }).ClickAsync();

        await Expect(dialog.GetByRole(AriaRole.Alert)).ToContainTextAsync("insufficient funds");
        await Expect(dialog.GetByTestId("advice")).ToHaveTextAsync("Use another card.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(Share(browser.Page, frank.UserId)).ToHaveAttributeAsync("data-status", "unpaid");
        await Expect(browser.Page.GetByTestId("payments")).ToContainTextAsync("insufficient_funds");
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task A_member_turns_back_from_PayPal_pays_again_with_it_and_the_hold_is_taken_when_the_last_share_is_paid()
    {
        var (id, erin, frank) = await CheckedOutPairAsync();
        var share = InvoiceTestKit.ShareOf(await InvoiceTestKit.GetAsync(frank, id), frank).GetProperty("amount").GetInt64();
        await using var browser = await fixture.SignInAsync(frank.UserId, frank.Email);
        var page = browser.Page;
        await page.GotoAsync($"/invoices/{id}");

        // First he changes his mind on PayPal's page: back on the invoice, nothing was taken and he may pay at once.
        await PayWithPaypalAsync(page, Share(page, frank.UserId).GetByRole(AriaRole.Button, new() { Name = "Pay my share" }));
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel and return to the shop" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == $"/invoices/{id}" && new Uri(url).Query.Length == 0);
        await Expect(page.GetByTestId("paypal-outcome")).ToContainTextAsync("You left PayPal without paying");
        await Expect(Share(page, frank.UserId)).ToHaveAttributeAsync("data-status", "paying");
        await Expect(Share(page, frank.UserId).GetByTestId("continue-paypal")).ToBeVisibleAsync();

        // Then he pays with PayPal again and approves: PayPal holds his share's amount until Erin pays.
        await PayWithPaypalAsync(page, Share(page, frank.UserId).GetByRole(AriaRole.Button, new() { Name = "Pay my share again" }));
        await Expect(page.Locator("#total")).ToContainTextAsync(PaypalMajor(share));
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == $"/invoices/{id}" && new Uri(url).Query.Length == 0);
        await Expect(page.GetByTestId("paypal-outcome")).ToContainTextAsync("it is held until everyone has paid");
        await Expect(Share(page, frank.UserId)).ToHaveAttributeAsync("data-status", "authorized");

        var stored = await InvoiceTestKit.GetAsync(frank, id);
        var payments = stored.GetProperty("payments").EnumerateArray().Where(p => p.GetProperty("memberId").GetString() == frank.UserId).ToList();
        Assert.Equal([("failed", "share_taken_over"), ("authorized", null)],
            payments.Select(p => (p.GetProperty("status").GetString(), p.GetProperty("errorCode").GetString())));
        var orderId = payments[1].GetProperty("paypalOrderId").GetString()!;
        var authorization = PaypalShareKit.PaypalPayments(await PaypalShareKit.PaypalOrderAsync(fixture.Paypal, orderId)).GetProperty("authorizations")[0];
        Assert.Equal(("CREATED", PaypalMajor(share)), (authorization.GetProperty("status").GetString(), authorization.GetProperty("amount").GetProperty("value").GetString()));

        // Erin pays the last share by card: both are taken, and Frank's page turns funded by itself.
        await HttpAssert.JsonAsync(await InvoiceTestKit.PayAsync(erin, id, erin.UserId, await erin.SaveCardAsync()), HttpStatusCode.Created);
        await Expect(page.GetByTestId("invoice-status")).ToHaveAttributeAsync("data-status", "funded");
        await Expect(Share(page, frank.UserId)).ToHaveAttributeAsync("data-status", "captured");
        var capture = PaypalShareKit.PaypalPayments(await PaypalShareKit.PaypalOrderAsync(fixture.Paypal, orderId)).GetProperty("captures")[0];
        Assert.Equal(("COMPLETED", PaypalMajor(share)), (capture.GetProperty("status").GetString(), capture.GetProperty("amount").GetProperty("value").GetString()));
        browser.AssertNoScriptErrors();
    }

    [Fact]
    public async Task Someone_not_on_the_invoice_gets_the_not_found_page()
    {
        var (id, _, _) = await CheckedOutPairAsync();
        await using var outsider = await fixture.SignInAsync(PaymentsFixture.NewUserId("gina"));

        await outsider.Page.GotoAsync($"/invoices/{id}");

        await Expect(outsider.Page.GetByTestId("not-found")).ToContainTextAsync("Invoice not found");
        await Expect(outsider.Page.GetByTestId("shares")).ToHaveCountAsync(0);
        Assert.Equal("Invoice not found", await outsider.Page.TitleAsync());
        outsider.AssertNoScriptErrors();
    }

    /// <summary>Two people on a checked-out split invoice (through the API: the browser tests above cover making one).</summary>
    private async Task<(string Id, Person Erin, Person Frank)> CheckedOutPairAsync()
    {
        var (erin, frank) = (InvoiceTestKit.PersonFor(fixture.Host, "erin"), InvoiceTestKit.PersonFor(fixture.Host, "frank"));
        var created = await HttpAssert.JsonAsync(await erin.Client.PostAsJsonAsync("/api/invoices", new { title = "Road trip" }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await HttpAssert.JsonAsync(await frank.Client.PostAsync($"/api/invoices/{id}/members", null), HttpStatusCode.Created);
        await InvoiceTestKit.SetItemsAsync(erin, id, new { productId = "livestream", quantity = 2 });
        await InvoiceTestKit.SetItemsAsync(frank, id, new { productId = "meet-and-greet", quantity = 1 });
        await InvoiceTestKit.CheckOutAsync(erin, id, "split");
        return (id, erin, frank);
    }

    private static ILocator Share(IPage page, string memberId) => page.Locator($"[data-share='{memberId}']");

    private static ILocator ShareAmount(IPage page, string memberId) => Share(page, memberId).GetByTestId("share-amount");

    private static async Task AddItemAsync(IPage page, string product, int quantity)
    {
        await page.Locator("input[name=newProduct]").FillAsync(product);
        await page.Locator("input[name=newQuantity]").FillAsync(quantity.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save my items" }).ClickAsync();
        await Expect(page.Locator("#items-state")).ToHaveTextAsync("Saved");
    }

    /// <summary>Opens the pay dialog with <paramref name="pay"/>, chooses PayPal and goes to PayPal's approve page (the emulator's).</summary>
    private static async Task PayWithPaypalAsync(IPage page, ILocator pay)
    {
        await pay.ClickAsync();
        var dialog = page.Locator("dialog[open]");
        await dialog.GetByLabel("PayPal").CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { NameRegex = new("^Pay \\$") }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/checkoutnow");
    }

    /// <summary>A USD amount in minor units as PayPal writes it ("55.00").</summary>
    private static string PaypalMajor(long minor) => Payments.Core.Paypal.PaypalAmount.From(minor, "USD").Value;

    /// <summary>Types a test card into the Stripe.js stand-in's Payment Element inside <paramref name="scope"/>.</summary>
    private static async Task FillCardAsync(ILocator scope, string number)
    {
        await scope.GetByLabel("Card number").FillAsync(number);
        await scope.GetByLabel("Expiry (MM / YY)").FillAsync($"12 / {(DateTime.UtcNow.Year + 3) % 100:00}");
        await scope.GetByLabel("CVC").FillAsync("123");
    }

    /// <summary>The invoice page at a desktop and a phone width (docs/screenshots when PAYMENTS_SCREENSHOTS_DIR says so).</summary>
    private static async Task ScreenshotsAsync(IPage page, string who)
    {
        Directory.CreateDirectory(WebFixture.ScreenshotDirectory);
        foreach (var (width, height, name) in new[] { (1280, 900, "desktop"), (390, 844, "phone") })
        {
            await page.SetViewportSizeAsync(width, height);
            await page.ScreenshotAsync(new() { Path = Path.Combine(WebFixture.ScreenshotDirectory, $"invoice-{who}-{name}.png"), FullPage = true });
        }
        await page.SetViewportSizeAsync(1280, 900);
    }
}
