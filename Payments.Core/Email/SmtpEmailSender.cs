using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Payments.Core.Email;

/// <summary>Sends through any SMTP server with MailKit: maildev locally, a relay in production.</summary>
public sealed partial class SmtpEmailSender(IOptions<EmailOptions> options, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    public async Task SendAsync(EmailMessage message, CancellationToken ct)
    {
        var o = options.Value;
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            MessageId = message.MessageId,
            Body = new TextPart("plain") { Text = message.TextBody },
        };
        mime.From.Add(MailboxAddress.Parse(o.From));
        mime.To.Add(MailboxAddress.Parse(message.To));

        using var client = new SmtpClient();
        await client.ConnectAsync(o.SmtpHost, o.SmtpPort, Enum.Parse<SecureSocketOptions>(o.Security, ignoreCase: true), ct);
        if (!string.IsNullOrEmpty(o.Username))
            await client.AuthenticateAsync(o.Username, o.Password ?? "", ct);
        await client.SendAsync(mime, ct);
        // The server answered DATA with 250: the email is sent. Nothing after this may report a failure, or EmailOnce
        // would give its claim back and a retry would send it again (issue 14, defect 9). MailKit 4.18 already swallows
        // a failed QUIT; this keeps the rule whatever the library does, and a cancellation now cannot undo the send.
        try
        {
            await client.DisconnectAsync(quit: true, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogDisconnectFailed(logger, ex, message.MessageId);
        }
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Email {MessageId} was accepted by the SMTP server; disconnecting afterwards failed (the email counts as sent)")]
    private static partial void LogDisconnectFailed(ILogger logger, Exception ex, string messageId);
}
