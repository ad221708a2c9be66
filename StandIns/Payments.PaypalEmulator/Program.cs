using Payments.PaypalEmulator;

PaypalEmulatorApp.Build(args).Run();
