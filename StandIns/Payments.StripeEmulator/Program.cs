using Payments.StripeEmulator;

StripeEmulatorApp.Build(args).Run();
