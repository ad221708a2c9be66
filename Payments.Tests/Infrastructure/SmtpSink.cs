using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Payments.Tests.Infrastructure;

public sealed record ReceivedEmail(string From, IReadOnlyList<string> To, string Data)
{
    public string Subject => Header("Subject");
    public string MessageId => Header("Message-Id");

    private string Header(string name) =>
        Data.Split("\r\n").FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))?[(name.Length + 1)..].Trim() ?? "";
}

/// <summary>
/// A real SMTP server on a free loopback port (the subset MailKit uses without TLS: EHLO, MAIL,
/// RCPT, DATA, RSET, NOOP, QUIT), keeping every message it accepts. A test can make it misbehave the
/// way a relay does: refuse a recipient for a while (<see cref="RefuseRecipient"/>), or hang up on QUIT
/// after it accepted the message (<see cref="HangUpOnQuit"/>).
/// </summary>
/// <param name="port">0: a free port; else that port (the fault campaign brings a sink back where it was).</param>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ReceivedEmail> _messages = [];
    private readonly Task _accepting;
    private readonly Dictionary<string, int> _refusals = new(StringComparer.OrdinalIgnoreCase);

    public SmtpSink(int port = 0)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<ReceivedEmail> Messages
    {
        get { lock (_messages) return _messages.ToList(); }
    }

    /// <summary>
    /// Drops the connection without answering QUIT, after DATA's 250 (the message is accepted and kept): the
    /// client's disconnect fails although the email went out, as when a relay or the network hangs up at the end.
    /// </summary>
    public bool HangUpOnQuit { get; set; }

    /// <summary>
    /// Answers RCPT for <paramref name="address"/> with a transient <c>450</c> the next <paramref name="times"/> times
    /// (a relay that cannot take mail for it just now); other recipients are served as usual.
    /// </summary>
    public void RefuseRecipient(string address, int times)
    {
        lock (_refusals) _refusals[address] = times;
    }

    private bool Refuses(string recipient)
    {
        lock (_refusals)
        {
            var address = _refusals.Keys.FirstOrDefault(a => recipient.Contains(a, StringComparison.OrdinalIgnoreCase));
            if (address is null || _refusals[address] <= 0)
                return false;
            _refusals[address]--;
            return true;
        }
    }

    public IReadOnlyList<ReceivedEmail> To(string address) =>
        Messages.Where(m => m.To.Any(t => t.Contains(address, StringComparison.OrdinalIgnoreCase))).ToList();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 sink ESMTP");
        string? from = null;
        var to = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteLineAsync("250-sink");
                    await writer.WriteLineAsync("250 8BITMIME");
                    break;
                case "HELO":
                    await writer.WriteLineAsync("250 sink");
                    break;
                case "MAIL":
                    from = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    to.Clear();
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RCPT":
                    var recipient = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    if (Refuses(recipient))
                    {
                        await writer.WriteLineAsync("450 4.2.1 Mailbox unavailable, try again later");
                        break;
                    }
                    to.Add(recipient);
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".")
                        data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                    lock (_messages) _messages.Add(new ReceivedEmail(from ?? "", to.ToList(), data.ToString()));
                    await writer.WriteLineAsync("250 OK: queued");
                    break;
                case "QUIT":
                    if (HangUpOnQuit)
                    {
                        // No 221: reset the connection (linger 0), so the client reads a dropped connection, not a goodbye.
                        client.Client.LingerState = new LingerOption(true, 0);
                        return;
                    }
                    await writer.WriteLineAsync("221 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("250 OK");
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
