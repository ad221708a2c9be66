// My cards (/cards): GET /api/me/payment-methods, remove (DELETE), add: POST /api/me/setup-intents, then Stripe.js
// confirms the SetupIntent with the card typed into the Payment Element (3-D Secure included), then the card is saved
// with POST /api/me/payment-methods {paymentMethodId}.
import { api } from './api.js';
import { startPage } from './session.js';
import { loadStripe, stripeProblem } from './stripe.js';
import { esc, badge, cardName, showProblem, clearProblem, busy } from './ui.js';

const main = document.querySelector('main');
const user = await startPage();
if (user) {
  main.innerHTML = `
    <h1>My cards</h1>
    <section class="panel" aria-labelledby="cards-title">
      <h2 id="cards-title" class="visually-hidden">Saved cards</h2>
      <div id="cards"><p class="muted">Loading…</p></div>
      <div class="alert" role="alert" id="cards-alert" hidden></div>
    </section>
    <section class="panel" aria-labelledby="add-title">
      <h2 id="add-title">Add a card</h2>
      <p class="muted small">Saved cards pay your shares in one step. Your card details go to Stripe, never to us.</p>
      <form id="add" novalidate>
        <div id="card-element"></div>
        <div class="alert" role="alert" hidden></div>
        <p class="row"><button type="button" id="start-add">Add a card</button>
          <button type="submit" id="save" hidden>Save card</button>
          <button type="button" class="secondary" id="cancel-add" hidden>Cancel</button></p>
        <p class="notice" role="status" id="added" hidden></p>
      </form>
    </section>`;
  await listCards();
  wireAdd(main.querySelector('#add'));
}

async function listCards() {
  const box = main.querySelector('#cards');
  try {
    const { body } = await api('GET', '/me/payment-methods');
    box.innerHTML = body.data.length === 0
      ? '<p class="muted">No saved cards.</p>'
      : `<table class="stack" data-testid="cards"><thead><tr><th>Card</th><th>Expires</th><th>Status</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>${body.data.map(c => `<tr data-card="${esc(c.id)}">
          <td data-label="Card">${esc(cardName(c))}</td>
          <td data-label="Expires">${esc(String(c.expMonth).padStart(2, '0'))}/${esc(c.expYear)}</td>
          <td data-label="Status">${badge(c.status)}</td>
          <td data-label="Actions"><button type="button" class="danger" data-remove="${esc(c.id)}" aria-label="Remove ${esc(cardName(c))}">Remove</button></td>
        </tr>`).join('')}</tbody></table>`;
    box.querySelectorAll('[data-remove]').forEach(b => b.addEventListener('click', () => remove(b.dataset.remove, b)));
  } catch (e) {
    showProblem(main.querySelector('#cards-alert'), e);
  }
}

async function remove(id, button) {
  const alert = main.querySelector('#cards-alert');
  clearProblem(alert);
  if (!confirm('Remove this card? It can no longer pay.')) return;
  button.disabled = true;
  try {
    await api('DELETE', `/me/payment-methods/${encodeURIComponent(id)}`);
    await listCards();
  } catch (e) {
    button.disabled = false;
    showProblem(alert, e);
  }
}

function wireAdd(form) {
  const alert = form.querySelector('[role="alert"]');
  const start = form.querySelector('#start-add');
  const save = form.querySelector('#save');
  const cancel = form.querySelector('#cancel-add');
  const added = form.querySelector('#added');
  let stripe = null;
  let elements = null;
  let element = null;

  const reset = () => {
    element?.unmount();
    element = elements = null;
    start.hidden = false;
    save.hidden = cancel.hidden = true;
  };

  start.addEventListener('click', async () => {
    clearProblem(alert);
    added.hidden = true;
    await busy(form, async () => {
      try {
        stripe = await loadStripe();
        const { body } = await api('POST', '/me/setup-intents');
        elements = stripe.elements({ clientSecret: body.clientSecret });
        element = elements.create('payment');
        element.mount(form.querySelector('#card-element'));
        start.hidden = true;
        save.hidden = cancel.hidden = false;
      } catch (e) {
        showProblem(alert, e);
      }
    });
    element?.focus();
  });
  cancel.addEventListener('click', () => { clearProblem(alert); reset(); });

  form.addEventListener('submit', async event => {
    event.preventDefault();
    if (!elements) return;
    clearProblem(alert);
    await busy(form, async () => {
      const { setupIntent, error } = await stripe.confirmSetup({ elements, redirect: 'if_required', confirmParams: { return_url: location.href } });
      if (error) {
        showProblem(alert, stripeProblem(error));
        return;
      }
      try {
        const { body } = await api('POST', '/me/payment-methods', { body: { paymentMethodId: setupIntent.payment_method } });
        reset();
        added.textContent = `Saved ${cardName(body)}.`;
        added.hidden = false;
        await listCards();
      } catch (e) {
        showProblem(alert, e);
      }
    });
  });
}
