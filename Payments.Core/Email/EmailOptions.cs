namespace Payments.Core.Email;

public sealed class EmailOptions
{
    public const string Section = "Email";

    public string SmtpHost { get; set; } = "127.0.0.1";
    public int SmtpPort { get; set; } = 1025;
    /// <summary>None (local SMTP sinks), StartTls or SslOnConnect.</summary>
    public string Security { get; set; } = "None";
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "Payments <no-reply@payments.local>";
    /// <summary>Where fulfilment orders are sent.</summary>
    public string FulfilmentAddress { get; set; } = "warehouse@payments.local";
}
