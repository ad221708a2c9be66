// Parameters for infra/main.bicep: every one without a default, so a deployment runs without prompts.
// Copy it next to main.bicep (e.g. infra/prod.bicepparam), replace the example values, then deploy with
// the four secrets in environment variables (never in this file):
//
//   STRIPE_SECRET_KEY=sk_live_... STRIPE_WEBHOOK_SECRET=whsec_... SMTP_PASSWORD=... PAYPAL_CLIENT_SECRET=... \
//     az deployment group create -g <rg> -f infra/main.bicep -p infra/prod.bicepparam
//
// Any other parameter of main.bicep can be set here too (see its descriptions). Payments.Tests.Infra
// builds this file, so it stays complete.
using './main.bicep'

param environmentName = 'prod'

param authIssuer = 'https://login.example.com/'
param authMetadataAddress = 'https://login.example.com/.well-known/openid-configuration'

param smtpHost = 'smtp.example.com'
param smtpPort = 587
param smtpUsername = 'payments@example.com'
param emailFrom = 'Payments <no-reply@example.com>'
param fulfilmentAddress = 'warehouse@example.com'

param checkoutSuccessUrl = 'https://shop.example.com/checkout/success?session_id={CHECKOUT_SESSION_ID}'
param checkoutCancelUrl = 'https://shop.example.com/checkout/cancel'
param purchasePaypalReturnUrl = 'https://shop.example.com/paypal/return?purchase={PURCHASE_ID}'
param purchasePaypalCancelUrl = 'https://shop.example.com/paypal/cancel?purchase={PURCHASE_ID}'
// The group-invoice pages (web/) on the Static Web App this template makes are PayPal's way back unless these say
// otherwise: https://<the site>/invoices/{invoiceId}/paypal/return and /paypal/cancel.
param invoicePaypalReturnUrl = ''
param invoicePaypalCancelUrl = ''

// PayPal: live (https://api-m.sandbox.paypal.com and a sandbox app's id for a staging deployment).
param paypalBaseUrl = 'https://api-m.paypal.com'
param paypalClientId = 'replace-with-the-paypal-app-client-id'
param paypalWebhookId = 'replace-with-the-paypal-webhook-id'

// Read when the deployment command runs; an unset variable stops it before anything is deployed.
param stripeSecretKey = readEnvironmentVariable('STRIPE_SECRET_KEY')
param stripeWebhookSecret = readEnvironmentVariable('STRIPE_WEBHOOK_SECRET')
param smtpPassword = readEnvironmentVariable('SMTP_PASSWORD')
param paypalClientSecret = readEnvironmentVariable('PAYPAL_CLIENT_SECRET')
