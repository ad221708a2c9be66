// Paying a share (mine, or covering someone's): POST /api/invoices/{id}/shares/{memberId}/payments with an
// Idempotency-Key. With a saved card ({paymentMethodId}): authorized at once (201), or 202 requires_action with the
// clientSecret for Stripe.js' handleNextAction (3-D Secure). With a new card (no paymentMethodId): 201 with the
// PaymentIntent's clientSecret and nextAction "confirm"; the Payment Element collects the card and Stripe.js'
// confirmPayment confirms it (3-D Secure included). Either way the invoice learns the outcome from Stripe's event,
// so the page keeps polling the invoice after the dialog closes. With PayPal (where the deployment offers it): POST
// …/paypal-orders makes an order for the share and the browser goes to its approve link; PayPal sends the payer back to
// the invoice page's /paypal/return (paypal-return.js completes the order) or /paypal/cancel.
import { api, newIdempotencyKey } from './api.js';
import { config } from './config.js';
import { loadStripe, stripeProblem } from './stripe.js';
import { esc, money, cardName, showProblem, clearProblem, busy } from './ui.js';

export async function openPayDialog({ invoice, share, me, onDone }) {
  const currency = invoice.totals.currency;
  const whose = share.memberId === me ? 'your share' : `${share.memberId}'s share`;
  const dialog = document.createElement('dialog');
  dialog.className = 'sheet';
  dialog.setAttribute('aria-labelledby', 'pay-title');
  dialog.innerHTML = `
    <form id="pay-form" novalidate>
      <h2 id="pay-title">Pay ${esc(whose)}</h2>
      <p><strong data-testid="pay-amount">${money(share.amount, currency)}</strong>
        <span class="muted small">held until everyone has paid, then taken</span></p>
      <fieldset id="pay-with"><legend>Pay with</legend><p class="muted">Loading your cards…</p></fieldset>
      <div id="new-card" hidden></div>
      <div class="alert" role="alert" hidden></div>
      <p class="row"><button type="submit" id="pay-submit" disabled>Pay ${money(share.amount, currency)}</button>
        <button type="button" class="secondary" id="pay-cancel">Cancel</button></p>
    </form>`;
  document.body.appendChild(dialog);
  dialog.showModal();
  const form = dialog.querySelector('form');
  const alert = form.querySelector('[role="alert"]');
  const close = () => { dialog.close(); dialog.remove(); };
  dialog.querySelector('#pay-cancel').addEventListener('click', close);
  dialog.addEventListener('close', () => dialog.remove());

  let cards = [];
  try {
    cards = (await api('GET', '/me/payment-methods')).body.data.filter(c => c.status === 'live');
  } catch (e) {
    showProblem(alert, e);
  }
  const choices = form.querySelector('#pay-with');
  choices.innerHTML = `<legend>Pay with</legend>${cards.map((c, i) => `
    <label class="choice"><input type="radio" name="card" value="${esc(c.id)}"${i === 0 ? ' checked' : ''}>
      ${esc(cardName(c))} <span class="muted small">expires ${esc(String(c.expMonth).padStart(2, '0'))}/${esc(c.expYear)}</span></label>`).join('')}
    <label class="choice"><input type="radio" name="card" value="new"${cards.length === 0 ? ' checked' : ''}> A new card</label>
    ${config.paypal ? `<label class="choice"><input type="radio" name="card" value="paypal"> PayPal
      <span class="muted small">you approve it on PayPal's page and come back here</span></label>` : ''}`;
  // Only now is there something to pay with: a click before the cards arrived would have paid with nothing chosen.
  form.querySelector('#pay-submit').disabled = false;

  const path = `/invoices/${encodeURIComponent(invoice.id)}/shares/${encodeURIComponent(share.memberId)}/payments`;
  let key = null; // kept for a retry of the same attempt after a failure that may not have reached the server
  let confirming = null; // {stripe, elements} once a new card's PaymentIntent exists

  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearProblem(alert);
    const choice = new FormData(form).get('card'); // read before busy() disables the radios (FormData skips disabled ones)
    if (!confirming && !choice) return showProblem(alert, { problem: { title: 'Choose a card to pay with.' } });
    await busy(form, async () => {
      if (confirming) return confirmNewCard();
      if (choice === 'paypal') return payWithPaypal();
      key ??= newIdempotencyKey();
      let answer;
      try {
        answer = await api('POST', path, { idempotencyKey: key, body: choice === 'new' ? {} : { paymentMethodId: choice } });
      } catch (e) {
        if (e.status && e.status < 500) key = null; // refused: the next try is a new attempt
        showProblem(alert, e);
        return;
      }
      key = null;
      const paid = answer.body;
      if (paid.nextAction === 'confirm' && paid.clientSecret) {
        const stripe = await loadStripe();
        const elements = stripe.elements({ clientSecret: paid.clientSecret });
        const element = elements.create('payment');
        const box = form.querySelector('#new-card');
        box.hidden = false;
        element.mount(box);
        choices.disabled = true;
        confirming = { stripe, elements };
        return;
      }
      if (paid.nextAction === 'authenticate' && paid.clientSecret) {
        const stripe = await loadStripe();
        const { error } = await stripe.handleNextAction({ clientSecret: paid.clientSecret });
        if (error) {
          showProblem(alert, stripeProblem(error));
          return;
        }
      }
      close();
      onDone();
    });
  });

  /** Makes the share's PayPal order and sends the browser to PayPal to approve it; PayPal sends it back to this invoice. */
  async function payWithPaypal() {
    key ??= newIdempotencyKey();
    try {
      const { body } = await api('POST', `/invoices/${encodeURIComponent(invoice.id)}/shares/${encodeURIComponent(share.memberId)}/paypal-orders`, { idempotencyKey: key });
      location.assign(body.approveUrl);
    } catch (e) {
      if (e.status && e.status < 500) key = null;
      showProblem(alert, e);
    }
  }

  async function confirmNewCard() {
    const { stripe, elements } = confirming;
    const { error } = await stripe.confirmPayment({ elements, redirect: 'if_required', confirmParams: { return_url: location.href } });
    if (error && error.type === 'validation_error') {
      showProblem(alert, stripeProblem(error));
      return;
    }
    if (error) {
      // Declined or not authenticated: that attempt is over (its event frees the share); choose again for a new one.
      showProblem(alert, stripeProblem(error));
      elements.getElement('payment')?.unmount();
      form.querySelector('#new-card').hidden = true;
      choices.disabled = false;
      confirming = null;
      onDone();
      return;
    }
    close();
    onDone();
  }
}
