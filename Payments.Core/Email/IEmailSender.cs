namespace Payments.Core.Email;

/// <param name="MessageId">Stable per logical email, so a resend after a crash can be recognised downstream.</param>
public sealed record EmailMessage(string To, string Subject, string TextBody, string MessageId);

public interface IEmailSender
{
    Task SendAsync(EmailMessage message, CancellationToken ct);
}
