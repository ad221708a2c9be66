using Payments.Host;

if (args is ["token", .. var tokenArgs])
    return DevTokenCommand.Run(tokenArgs);

await PaymentsHostApp.Build(args).RunAsync();
return 0;
