// The pages' configuration in a deployment (docs/web.md, "Deploying"). The deployment writes its values here;
// Payments.Host in Development serves its own /config.js instead (Payments.Host/Web/WebPages.cs).
export default {
  // The API: the Functions app's URL and /api (its CORS allows this site's origin; infra/main.bicep).
  apiBase: 'https://FUNCTION_APP_HOST/api',
  // Stripe's publishable key (pk_live_… or pk_test_…) of the account whose secret key the API holds.
  stripePublishableKey: 'STRIPE_PUBLISHABLE_KEY',
  // Stripe.js, always from Stripe in production: PCI DSS requires it to be loaded from js.stripe.com.
  stripeJsUrl: 'https://js.stripe.com/v3/',
  // Whether the pay dialog offers PayPal: true when the API has a PayPal account (Paypal__BaseUrl and its credentials),
  // with Invoices__PaypalReturnUrl and Invoices__PaypalCancelUrl pointing at this site's /invoices/{invoiceId}/paypal/return
  // and /paypal/cancel.
  paypal: false,
  // The development "sign in as" form works only against Payments.Host in Development.
  developmentSignIn: false,
  // Where "Sign in" sends a person who has no token (your identity provider's sign-in page, or an app page that starts it).
  signInUrl: '/sign-in',
  // Product ids offered when adding an item to a group cart (the server prices them from its catalog).
  productSuggestions: [],
};

/**
 * The token hook: one function returning a bearer token for the API (a JWT from the identity provider the API trusts:
 * Auth:Issuer, Auth:Audience), or null when the person is not signed in. Replace it with your provider's call, e.g. MSAL:
 *
 *   const account = msal.getActiveAccount();
 *   if (!account) return null;
 *   const { accessToken } = await msal.acquireTokenSilent({ account, scopes: ['api://payments-api/.default'] });
 *   return accessToken;
 *
 * The pages call it before every API request, so it may refresh tokens as it likes.
 */
export async function getToken() {
  return null;
}
