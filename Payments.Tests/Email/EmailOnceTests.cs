using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Payments.Core.Email;
using Payments.Core.Storage;
using Payments.Tests.Infrastructure;
using Xunit;

namespace Payments.Tests.Email;

/// <summary>One-time emails over real table storage and a real SMTP server: a failed send is sent by a later try, never twice.</summary>
[Collection(PaymentsTestGroup.Name)]
public sealed class EmailOnceTests(PaymentsFixture fixture) : IDisposable
{
    private readonly SmtpSink _smtp = new();

    private PaymentsStorage Storage => fixture.Host.Get<PaymentsStorage>();

    private EmailOnce Through(int smtpPort) =>
        new(Storage, new SmtpEmailSender(Options.Create(new EmailOptions { SmtpPort = smtpPort })), TimeProvider.System);

    private static (string Subject, EmailMessage Message) NewEmail()
    {
        var subject = "org_" + Guid.NewGuid().ToString("n");
        return (subject, new EmailMessage($"{subject}@example.test", "Welcome", "Hello", $"<introduction.{subject}@payments.local>"));
    }

    /// <summary>A loopback port nobody listens on: the SMTP server is down.</summary>
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_send_that_failed_is_sent_by_the_next_try_and_then_never_again()
    {
        var (subject, email) = NewEmail();

        await Assert.ThrowsAnyAsync<Exception>(() => Through(ClosedPort()).SendAsync(subject, "introduction", email, default));
        Assert.False(await Through(_smtp.Port).WasSentAsync(subject, "introduction", default));

        Assert.True(await Through(_smtp.Port).SendAsync(subject, "introduction", email, default));
        Assert.False(await Through(_smtp.Port).SendAsync(subject, "introduction", email, default));

        Assert.Single(_smtp.To(email.To));
        Assert.True(await Through(_smtp.Port).WasSentAsync(subject, "introduction", default));
    }

    [Fact]
    public async Task Racing_handlers_send_it_once_and_the_losers_back_off_or_see_it_sent()
    {
        var (subject, email) = NewEmail();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            try
            {
                return await Through(_smtp.Port).SendAsync(subject, "introduction", email, default) ? "sent" : "already";
            }
            catch (EmailBusyException)
            {
                return "busy";
            }
        }));

        Assert.Single(outcomes, o => o == "sent");
        Assert.Single(_smtp.To(email.To));
        Assert.False(await Through(_smtp.Port).SendAsync(subject, "introduction", email, default));
        Assert.Single(_smtp.To(email.To));
    }

    [Fact]
    public async Task A_live_claim_makes_others_back_off_and_a_stale_one_is_taken_over()
    {
        var (subject, email) = NewEmail();
        var table = Storage.Table(TableNames.SentEmails);
        await table.AddEntityAsync(new TableEntity(subject, "introduction") { ["ClaimedAt"] = DateTimeOffset.UtcNow });

        await Assert.ThrowsAsync<EmailBusyException>(() => Through(_smtp.Port).SendAsync(subject, "introduction", email, default));
        Assert.Empty(_smtp.To(email.To));

        // Its holder crashed: once the claim is older than the timeout, the next try takes it over and sends.
        await table.UpdateEntityAsync(new TableEntity(subject, "introduction") { ["ClaimedAt"] = DateTimeOffset.UtcNow - EmailOnce.ClaimTimeout - TimeSpan.FromSeconds(1) },
            Azure.ETag.All, TableUpdateMode.Merge);
        Assert.True(await Through(_smtp.Port).SendAsync(subject, "introduction", email, default));
        Assert.Single(_smtp.To(email.To));
    }

    public void Dispose() => _smtp.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
