using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.DependencyInjection;

namespace Payments.Tests.Infrastructure;

/// <summary>
/// One way into Payments.Core over real HTTP: the Host (<see cref="PaymentsHostServer"/>) or the
/// Functions app under the real worker (<see cref="FunctionsDoor"/>). Stored state is read through a
/// Core service provider wired to the same Azurite.
/// </summary>
public interface IPaymentsDoor : IAsyncDisposable
{
    /// <summary>The door's root; routes are under <c>/api</c>.</summary>
    Uri BaseUrl { get; }

    /// <summary>An unauthenticated client.</summary>
    HttpClient Http { get; }

    /// <summary>A new client aimed at the door (the caller disposes it).</summary>
    HttpClient NewClient() => new() { BaseAddress = BaseUrl };

    /// <summary>Core's services against the same storage, Stripe and settings as the door.</summary>
    IServiceProvider Services { get; }
}

public static class PaymentsDoors
{
    /// <summary>A client with a development token for this user and roles.</summary>
    public static HttpClient ClientFor(this IPaymentsDoor door, string userId, params string[] roles)
    {
        var client = door.NewClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", PaymentsHostServer.Token(userId, roles));
        return client;
    }

    /// <summary>A Core service of the door, e.g. a store to read what a request left behind.</summary>
    public static T Get<T>(this IPaymentsDoor door) where T : notnull => door.Services.GetRequiredService<T>();

    /// <summary>
    /// Waits for the one dead-lettered message <paramref name="which"/> picks, peeked. A message's row is
    /// marked failed just before the message is dead-lettered, so a test seeing the row must still wait.
    /// </summary>
    public static async Task<ServiceBusReceivedMessage> DeadLetteredAsync(this IPaymentsDoor door, string queue, Func<ServiceBusReceivedMessage, bool> which)
    {
        ServiceBusReceivedMessage? found = null;
        await HttpAssert.EventuallyAsync(async () => (found = (await door.DeadLettersAsync(queue)).SingleOrDefault(which)) is not null, $"dead-lettered in {queue}");
        return found!;
    }

    /// <summary>Messages in a queue's dead-letter queue, peeked (they stay there).</summary>
    public static async Task<IReadOnlyList<ServiceBusReceivedMessage>> DeadLettersAsync(this IPaymentsDoor door, string queue)
    {
        await using var receiver = door.Get<ServiceBusClient>().CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        return await receiver.PeekMessagesAsync(100);
    }
}
