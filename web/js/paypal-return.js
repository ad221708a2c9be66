// Coming back from PayPal's approve page to the invoice page. PayPal sends the payer to the order's return URL,
// /invoices/{id}/paypal/return?token={orderId}&PayerID=… (Invoices:PaypalReturnUrl), or its cancel URL,
// /invoices/{id}/paypal/cancel?token={orderId} (Invoices:PaypalCancelUrl). On return the page completes the order
// (POST /api/invoices/{id}/paypal-orders/{orderId}/complete: PayPal then holds the money, as a card authorization does);
// either way the address bar goes back to the invoice's own path, so a reload does not complete or cancel again.
import { api } from './api.js';

/** What the address says about a trip to PayPal: {kind: 'return' | 'cancel', orderId}, or null. */
export function paypalLanding() {
  const match = /^\/invoices\/[^/]+\/paypal\/(return|cancel)\/?$/.exec(location.pathname);
  if (!match) return null;
  return { kind: match[1], orderId: new URLSearchParams(location.search).get('token') };
}

/**
 * Completes (or notes the cancel of) the order the payer came back from, and says what happened: a notice
 * {notice} when it went through or was canceled, or the API's problem {error} (a decline carries PayPal's approve link
 * to choose other funding). Completing twice is harmless: the API answers the payment as it is.
 */
export async function finishPaypal(invoiceId, landing) {
  history.replaceState(null, '', `/invoices/${encodeURIComponent(invoiceId)}`);
  if (landing.kind === 'cancel' || !landing.orderId)
    return { notice: 'You left PayPal without paying: nothing was taken. Pay your share another way, or with PayPal again.' };
  try {
    const { body } = await api('POST', `/invoices/${encodeURIComponent(invoiceId)}/paypal-orders/${encodeURIComponent(landing.orderId)}/complete`);
    return {
      notice: body.payment.status === 'captured'
        ? 'PayPal approved your payment: everyone has paid, and it is taken.'
        : 'PayPal approved your payment: it is held until everyone has paid, then taken.',
    };
  } catch (error) {
    return { error };
  }
}
