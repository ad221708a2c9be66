using Payments.Host;

if (args is ["token", .. var tokenArgs])
    return DevTokenCommand.Run(tokenArgs);
if (args is ["openapi", var path])
    return await OpenApiCommand.RunAsync(path);

await PaymentsHostApp.Build(args).RunAsync();
return 0;
