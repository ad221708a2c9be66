// The invoice page (/invoices/{id}): GET /api/invoices/{id} as the caller sees it (organiser or member view), polled
// while anything can still change, so payments settling, other members' items and the funding show up without a
// reload. Members edit their own items while it is open (PUT /api/invoices/{id}/items replaces them) and pay their
// share or cover another (pay.js). The organiser previews the shares (preview.js) and checks out
// (POST …/checkout), then marks it ordered and shipped, cancels, and refunds per member. Anyone not on the invoice gets
// the API's 404 and this page's not-found view.
import { api, ApiProblem, newIdempotencyKey } from './api.js';
import { config } from './config.js';
import { startPage } from './session.js';
import { openPayDialog } from './pay.js';
import { paypalLanding, finishPaypal } from './paypal-return.js';
import { previewShares } from './preview.js';
import { esc, money, date, badge, parseMoney, showProblem, clearProblem, busy } from './ui.js';

const main = document.querySelector('main');
const invoiceId = decodeURIComponent(location.pathname.split('/')[2] || '');
const user = await startPage();

/** How often the page reads the invoice: often while payments settle or the cart fills, rarely once it is quiet. */
const ACTIVE_POLL_MS = 1500;
const QUIET_POLL_MS = 10000;
const ENDED = new Set(['canceled', 'expired']);
const STEPS = ['open', 'checked_out', 'funded', 'ordered', 'shipped'];
const STEP_NAMES = { open: 'Open', checked_out: 'Checked out', funded: 'Funded', ordered: 'Ordered', shipped: 'Shipped' };
const MODES = {
  each: ['Each pays their own items', 'Every member pays for what they added, with a part of the fee and shipping.'],
  split: ['Split equally', 'The total in equal parts; odd cents go to whoever joined first.'],
  organiser: ['I pay for everything', 'You pay the whole total; the others pay nothing.'],
};

let invoice = null;
let rendered = {};
let editorDirty = false;
let timer = null;

if (user) {
  main.innerHTML = `
    <p class="small"><a href="/invoices">← My invoices</a></p>
    <div id="head"></div>
    <div id="outcome"></div>
    <p id="live" class="visually-hidden" role="status"></p>
    <section class="panel" id="cart" aria-labelledby="cart-title"></section>
    <section class="panel" id="mine" aria-labelledby="mine-title" hidden></section>
    <section class="panel" id="money" aria-labelledby="money-title" hidden></section>
    <section class="panel" id="organiser" aria-labelledby="organiser-title" hidden></section>
    <section class="panel" id="records" aria-labelledby="records-title" hidden></section>`;
  const landing = paypalLanding();
  if (landing) showOutcome(await finishPaypal(invoiceId, landing));
  await refresh();
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
}

async function refresh() {
  clearTimeout(timer);
  try {
    const { body } = await api('GET', `/invoices/${encodeURIComponent(invoiceId)}`);
    show(body);
  } catch (e) {
    if (e instanceof ApiProblem && e.status === 404) return notFound();
    showBanner(e);
  }
  schedule();
}

function schedule() {
  clearTimeout(timer);
  if (!invoice || ENDED.has(invoice.status)) return;
  const settling = invoice.status !== 'shipped' && invoice.status !== 'ordered' && invoice.status !== 'funded'
    || invoice.shares.some(s => s.amountRefundPending > 0 || s.status === 'paying');
  timer = setTimeout(() => { if (!document.hidden) refresh(); }, settling ? ACTIVE_POLL_MS : QUIET_POLL_MS);
}

function notFound() {
  clearTimeout(timer);
  document.title = 'Invoice not found';
  main.innerHTML = `<section class="panel" data-testid="not-found">
    <h1>Invoice not found</h1>
    <p>There is no such invoice, or you are not on it. If someone shared its link with you to join, open
      <a href="/invoices?join=${encodeURIComponent(invoiceId)}">My invoices</a> and join from there.</p>
    <p><a class="button secondary" href="/invoices">My invoices</a></p></section>`;
}

function showBanner(error) {
  if (!(error instanceof ApiProblem)) console.error(error); // a fault of the page itself: for whoever debugs it
  const head = main.querySelector('#head');
  let box = head.querySelector('.alert');
  if (!box) {
    box = document.createElement('div');
    box.className = 'alert';
    box.setAttribute('role', 'alert');
    head.appendChild(box);
  }
  showProblem(box, error);
}

/** What became of a trip to PayPal (paypal-return.js): a notice, or the API's problem with what to do next. */
function showOutcome({ notice, error }) {
  const box = main.querySelector('#outcome');
  box.innerHTML = notice ? `<p class="notice" role="status" data-testid="paypal-outcome">${esc(notice)}</p>`
    : '<div class="alert" role="alert" data-testid="paypal-outcome"></div>';
  if (error) showProblem(box.firstChild, error);
}

/** Replaces a section's content only when what it shows changed, so polling never disturbs a form being filled in. */
function section(id, html, { hidden = false } = {}) {
  const node = main.querySelector(`#${id}`);
  node.hidden = hidden;
  if (hidden || rendered[id] === html) return null;
  rendered[id] = html;
  node.innerHTML = html;
  return node;
}

function show(next) {
  const before = invoice;
  invoice = next;
  document.title = `${invoice.title || 'Invoice'} · ${invoice.status.replace('_', ' ')}`;
  if (before && before.status !== invoice.status)
    main.querySelector('#live').textContent = `The invoice is now ${invoice.status.replace('_', ' ')}.`;
  renderHead();
  renderCart();
  renderMine();
  renderMoney();
  renderOrganiser();
  renderRecords();
}

// Function declarations, not consts: the first render runs during the module's top-level await, before later consts exist.
function organiser() {
  return invoice.view === 'organiser';
}

function label(id) {
  return id === user.id ? `${id} (you)` : id;
}

function renderHead() {
  const step = STEPS.indexOf(invoice.status);
  const link = `${location.origin}/invoices?join=${encodeURIComponent(invoice.id)}`;
  const node = section('head', `
    <div class="spread"><h1>${esc(invoice.title || 'Group invoice')}</h1>
      <span data-testid="invoice-status" data-status="${esc(invoice.status)}">${badge(invoice.status, invoice.status === 'ending'
        ? `ending (${invoice.endingAs || 'closing'})` : invoice.status)}</span></div>
    <p class="muted small">Organised by ${esc(label(invoice.organiserId))} · you are ${invoice.view === 'organiser' ? 'the organiser' : 'a member'}
      · ${ENDED.has(invoice.status) ? `ended ${date(invoice.endedAt)}` : `to be paid by ${date(invoice.deadline)}`}</p>
    ${step >= 0 ? `<ol class="steps" aria-label="Progress">${STEPS.map((s, i) =>
      `<li${i === step ? ' aria-current="step"' : ''}>${STEP_NAMES[s]}</li>`).join('')}</ol>` : ''}
    ${invoice.status === 'open' ? `<p class="notice small">Invite people with this link:
      <a href="${esc(link)}" data-testid="join-link">${esc(link)}</a>
      <button type="button" class="link" id="copy-link">Copy</button></p>` : ''}`);
  node?.querySelector('#copy-link')?.addEventListener('click', async event => {
    await navigator.clipboard?.writeText(link).catch(() => {});
    event.target.textContent = 'Copied';
  });
}

function lines(items, currency) {
  if (items.length === 0) return '<p class="muted small">No items.</p>';
  return `<ul class="items">${items.map(l => `<li><span>${esc(l.name)} × ${esc(l.quantity)}</span>
    <span>${money(l.amount, currency)}</span></li>`).join('')}</ul>`;
}

function renderCart() {
  const currency = invoice.totals?.currency || 'USD';
  const subtotal = invoice.members.reduce((a, m) => a + m.itemsSubtotal, 0);
  section('cart', `<h2 id="cart-title">The cart</h2>
    ${invoice.members.map(m => `<div class="member" data-member="${esc(m.userId)}">
      <div class="spread"><h3>${esc(label(m.userId))}${m.role === 'organiser' ? ' <span class="muted small">organiser</span>' : ''}</h3>
        <span class="small">${money(m.itemsSubtotal, currency)}</span></div>
      ${lines(m.items, currency)}</div>`).join('')}
    ${invoice.totals ? '' : `<p class="spread small"><span class="muted">Items so far (fee and shipping are priced at checkout)</span>
      <strong>${money(subtotal, currency)}</strong></p>`}`);
}

/** My own items, while the invoice is open: change quantities, remove, add; saved as a whole with PUT …/items. */
function renderMine() {
  const me = invoice.members.find(m => m.userId === user.id);
  const open = invoice.status === 'open' && me;
  if (open && editorDirty && rendered.mine) return;
  const suggestions = [...new Set([...(config.productSuggestions || []), ...invoice.members.flatMap(m => m.items.map(l => l.productId))])];
  const node = section('mine', !open ? '' : `<h2 id="mine-title">My items</h2>
    <form id="items" novalidate>
      <div id="item-lines">${me.items.map(l => editorLine(l.productId, l.name, l.quantity)).join('')}</div>
      <fieldset><legend>Add an item</legend>
        <div class="editor-line">
          <label>Product <input name="newProduct" data-label="Product" list="products" placeholder="${esc(suggestions[0] || 'product id')}" autocomplete="off"></label>
          <label>Quantity <input name="newQuantity" data-label="Quantity" type="number" min="1" max="100" value="1" inputmode="numeric"></label>
          <button type="button" class="secondary" id="add-item">Add</button>
        </div>
        <datalist id="products">${suggestions.map(p => `<option value="${esc(p)}">`).join('')}</datalist>
      </fieldset>
      <div class="alert" role="alert" hidden></div>
      <p class="row"><button type="submit">Save my items</button><span class="muted small" id="items-state"></span></p>
    </form>`, { hidden: !open });
  if (node) wireItems(node.querySelector('#items'));
}

function editorLine(productId, name, quantity) {
  return `<div class="editor-line" data-line="${esc(productId)}">
    <span>${esc(name || productId)}<input type="hidden" name="productId" value="${esc(productId)}"></span>
    <label>Quantity <input name="quantity" data-label="Quantity of ${esc(name || productId)}" type="number" min="1" max="100" value="${esc(quantity)}" inputmode="numeric"></label>
    <button type="button" class="danger" data-remove aria-label="Remove ${esc(name || productId)}">Remove</button></div>`;
}

function wireItems(form) {
  const alert = form.querySelector('[role="alert"]');
  const state = form.querySelector('#items-state');
  const dirty = () => { editorDirty = true; state.textContent = 'Not saved yet'; };
  form.addEventListener('input', dirty);
  form.addEventListener('click', event => {
    if (event.target.matches('[data-remove]')) {
      event.target.closest('.editor-line').remove();
      dirty();
    }
  });
  form.querySelector('#add-item').addEventListener('click', () => {
    clearProblem(alert);
    const product = form.elements.newProduct.value.trim().toLowerCase();
    const quantity = Number(form.elements.newQuantity.value || 1);
    if (!product) return showProblem(alert, { problem: { title: 'Name a product to add.', field: 'newProduct' } }, form);
    const existing = form.querySelector(`[data-line="${CSS.escape(product)}"] input[type="number"]`);
    if (existing) existing.value = Number(existing.value) + quantity;
    else form.querySelector('#item-lines').insertAdjacentHTML('beforeend', editorLine(product, product, quantity));
    form.elements.newProduct.value = '';
    form.elements.newQuantity.value = 1;
    dirty();
  });
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearProblem(alert);
    // Named as the API names them in a problem's `field` (items[0].quantity), so an error marks its own input.
    const items = [...form.querySelectorAll('#item-lines .editor-line')].map((line, i) => {
      const product = line.querySelector('input[type="hidden"]');
      const quantity = line.querySelector('input[type="number"]');
      product.name = `items[${i}].productId`;
      quantity.name = `items[${i}].quantity`;
      return { productId: product.value, quantity: Number(quantity.value) };
    });
    await busy(form, async () => {
      try {
        const { body } = await api('PUT', `/invoices/${encodeURIComponent(invoice.id)}/items`, { body: { items } });
        editorDirty = false;
        rendered.mine = null;
        show(body);
        main.querySelector('#items-state').textContent = 'Saved';
      } catch (e) {
        showProblem(alert, e, form);
      }
    });
  });
}

function renderMoney() {
  if (!invoice.totals) return section('money', '', { hidden: true });
  const t = invoice.totals;
  const canPay = invoice.status === 'checked_out';
  const node = section('money', `<h2 id="money-title">Totals and shares</h2>
    <dl class="totals" data-testid="totals">
      <dt>Subtotal</dt><dd>${money(t.subtotal, t.currency)}</dd>
      <dt>Service fee</dt><dd>${money(t.fee, t.currency)}</dd>
      <dt>Shipping</dt><dd>${money(t.shipping, t.currency)}</dd>
      <dt class="total">Total</dt><dd class="total" data-testid="total">${money(t.total, t.currency)}</dd></dl>
    <p class="muted small">Payment: ${esc(MODES[invoice.mode]?.[0] || invoice.mode)}</p>
    <table class="stack" data-testid="shares"><thead><tr><th>Share of</th><th class="num">Amount</th><th>Status</th><th>Paid by</th>
      <th class="num">Refunded</th><th><span class="visually-hidden">Pay</span></th></tr></thead>
    <tbody>${invoice.shares.map(s => `<tr data-share="${esc(s.memberId)}" data-status="${esc(s.status)}">
      <td data-label="Share of">${esc(label(s.memberId))}</td>
      <td data-label="Amount" class="num" data-testid="share-amount">${money(s.amount, t.currency)}</td>
      <td data-label="Status">${badge(s.status)}</td>
      <td data-label="Paid by">${s.paidBy ? esc(label(s.paidBy)) : '<span class="muted">—</span>'}</td>
      <td data-label="Refunded" class="num">${s.amountRefunded || s.amountRefundPending
        ? `${money(s.amountRefunded, t.currency)}${s.amountRefundPending ? ` <span class="muted small">(+${money(s.amountRefundPending, t.currency)} pending)</span>` : ''}`
        : '<span class="muted">—</span>'}</td>
      <td data-label="Pay">${canPay ? payControls(s) : ''}</td>
    </tr>`).join('')}</tbody></table>
    ${invoice.status === 'funded' || invoice.status === 'ordered' || invoice.status === 'shipped'
      ? '<p class="notice" data-testid="funded-note">Everyone has paid: the money is taken and the organiser orders the items.</p>' : ''}
    ${invoice.shipment ? `<p class="small" data-testid="shipment">Shipped ${date(invoice.shipment.shippedAt)} by ${esc(invoice.shipment.carrier)}, tracking
      <strong>${esc(invoice.shipment.trackingNumber)}</strong></p>` : ''}`);
  node?.querySelectorAll('[data-pay]').forEach(button => button.addEventListener('click', () => {
    const share = invoice.shares.find(s => s.memberId === button.dataset.pay);
    openPayDialog({ invoice, share, me: user.id, onDone: refresh });
  }));
}

/**
 * The Pay button of a share: an unpaid one, or one my own payment holds while it waits for me (a card form or 3-D Secure
 * left unfinished, a PayPal approval canceled): the API lets me start over from it at once, and PayPal's link is offered
 * to carry on where I left off.
 */
function payControls(share) {
  const name = share.memberId === user.id ? 'my share' : esc(share.memberId);
  if (share.status === 'unpaid')
    return `<button type="button" data-pay="${esc(share.memberId)}">${share.memberId === user.id ? 'Pay my share' : `Cover ${name}`}</button>`;
  const waiting = share.status === 'paying' && share.paidBy === user.id && invoice.payments.findLast(p => p.memberId === share.memberId && p.payerId === user.id);
  if (!waiting || (waiting.status !== 'awaiting_payment' && waiting.status !== 'requires_action')) return '';
  return `${waiting.approveUrl ? `<a class="button secondary" href="${esc(waiting.approveUrl)}" data-testid="continue-paypal">Continue in PayPal</a> ` : ''}
    <button type="button" data-pay="${esc(share.memberId)}">Pay ${name} again</button>`;
}

function renderOrganiser() {
  if (!organiser()) return section('organiser', '', { hidden: true });
  const status = invoice.status;
  const refundable = invoice.shares.map(s => ({ ...s, left: s.amountCaptured - s.amountRefunded - s.amountRefundPending })).filter(s => s.left > 0);
  const key = JSON.stringify([status, refundable.map(s => [s.memberId, s.left])]);
  const html = `<h2 id="organiser-title">Organiser</h2>${
    status === 'open' ? checkoutForm()
    : status === 'checked_out' ? `<p>Waiting for the group: ${invoice.shares.filter(s => s.status === 'authorized' || s.status === 'captured').length}
        of ${invoice.shares.length} shares paid. When all are in, the cards are charged and you are emailed.</p>`
    : status === 'funded' ? `<p>Everyone has paid. Order the items from the shop, then:</p>
        <p><button type="button" id="ordered">Mark as ordered</button></p>`
    : status === 'ordered' ? `<form id="ship" novalidate><fieldset><legend>Shipped?</legend><div class="fields two">
        <label>Carrier <input name="carrier" data-label="Carrier" required></label>
        <label>Tracking number <input name="trackingNumber" data-label="Tracking number" required></label></div></fieldset>
        <p><button type="submit">Mark as shipped</button></p></form>`
    : status === 'ending' ? '<p>The invoice is ending: holds are being released and payments refunded.</p>'
    : ''}
    ${status === 'open' || status === 'checked_out' ? '<p><button type="button" class="danger" id="cancel">Cancel the invoice</button></p>' : ''}
    ${refundable.length ? refundForm(refundable) : ''}
    <div class="alert" role="alert" id="organiser-alert" hidden></div>`;
  const node = section('organiser', html + `<!--${esc(key)}-->`);
  if (!node) return;
  if (status === 'open') wireCheckout(node.querySelector('#checkout'));
  node.querySelector('#ordered')?.addEventListener('click', event => act(event.target, 'POST', 'ordered'));
  node.querySelector('#cancel')?.addEventListener('click', event => {
    if (confirm('Cancel this invoice? Every hold is released and every payment refunded.')) act(event.target, 'POST', 'cancel');
  });
  node.querySelector('#ship')?.addEventListener('submit', event => {
    event.preventDefault();
    const data = new FormData(event.target);
    act(event.target, 'POST', 'shipment', { carrier: data.get('carrier').trim(), trackingNumber: data.get('trackingNumber').trim() });
  });
  node.querySelector('#refund')?.addEventListener('submit', refund);
}

async function act(control, method, step, body) {
  const alert = main.querySelector('#organiser-alert');
  clearProblem(alert);
  const form = control.closest('form') || control.parentElement;
  await busy(form, async () => {
    try {
      const { body: next } = await api(method, `/invoices/${encodeURIComponent(invoice.id)}/${step}`, { body });
      show(next);
    } catch (e) {
      showProblem(alert, e, control.closest('form'));
    }
  });
  schedule();
}

function checkoutForm() {
  return `<form id="checkout" novalidate>
    <fieldset><legend>How does the group pay?</legend>${Object.entries(MODES).map(([mode, [name, help]], i) => `
      <label class="choice"><input type="radio" name="mode" value="${mode}"${i === 0 ? ' checked' : ''}>
        <span><strong>${esc(name)}</strong><br><span class="muted small">${esc(help)}</span></span></label>`).join('')}</fieldset>
    <fieldset><legend>Ship to</legend><div class="fields two">
      <label>Name <input name="shippingAddress.name" data-label="Name" autocomplete="name" required></label>
      <label>Address <input name="shippingAddress.line1" data-label="Address" autocomplete="address-line1" required></label>
      <label>Address line 2 <input name="shippingAddress.line2" data-label="Address line 2" autocomplete="address-line2"></label>
      <label>City <input name="shippingAddress.city" data-label="City" autocomplete="address-level2" required></label>
      <label>State or region <input name="shippingAddress.state" data-label="State or region" autocomplete="address-level1"></label>
      <label>Postal code <input name="shippingAddress.postalCode" data-label="Postal code" autocomplete="postal-code" required></label>
      <label>Country (2 letters) <input name="shippingAddress.country" data-label="Country" autocomplete="country" maxlength="2" value="US" required></label>
    </div></fieldset>
    <div id="preview" aria-live="polite"></div>
    <p class="row"><button type="button" class="secondary" id="preview-button">Preview shares</button>
      <button type="submit">Check out and lock the cart</button></p>
    <p class="muted small">Checking out prices the cart and locks it: items, members and the payment choice can no longer change.</p>
  </form>`;
}

function wireCheckout(form) {
  const preview = form.querySelector('#preview');
  const showPreview = async () => {
    const mode = new FormData(form).get('mode');
    try {
      const p = await previewShares(invoice, mode);
      if (p.empty) {
        preview.innerHTML = '<p class="muted">The cart is empty: add items before checking out.</p>';
        return;
      }
      const t = p.totals;
      preview.innerHTML = `<h3>Preview: ${esc(MODES[mode][0])}</h3>
        <table class="stack" data-testid="preview"><thead><tr><th>Share of</th><th class="num">Amount</th></tr></thead>
        <tbody>${p.shares.filter(s => s.amount > 0).map(s => `<tr data-preview="${esc(s.memberId)}"><td data-label="Share of">${esc(label(s.memberId))}</td>
          <td data-label="Amount" class="num">${money(s.amount, t.currency)}</td></tr>`).join('')}</tbody></table>
        <p class="small muted">Subtotal ${money(t.subtotal, t.currency)} · fee ${money(t.fee, t.currency)} · shipping
          ${money(t.shipping, t.currency)} · total <strong>${money(t.total, t.currency)}</strong>. Shipping is priced for the
          address's country when you check out; the shares are fixed then.${p.pricesChanged ? ' Some prices changed since the items were added: checkout uses today\'s.' : ''}</p>`;
    } catch (e) {
      preview.innerHTML = '<div class="alert" role="alert"></div>';
      showProblem(preview.firstChild, e);
    }
  };
  form.querySelector('#preview-button').addEventListener('click', showPreview);
  form.addEventListener('change', event => { if (event.target.name === 'mode' && preview.innerHTML) showPreview(); });
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const alert = main.querySelector('#organiser-alert');
    clearProblem(alert);
    const data = new FormData(form);
    const address = {};
    for (const [name, value] of data) {
      if (name.startsWith('shippingAddress.') && String(value).trim()) address[name.slice(16)] = String(value).trim();
    }
    await busy(form, async () => {
      try {
        const { body } = await api('POST', `/invoices/${encodeURIComponent(invoice.id)}/checkout`, {
          body: { mode: data.get('mode'), shippingAddress: address },
        });
        show(body);
      } catch (e) {
        showProblem(alert, e, form);
      }
    });
    schedule();
  });
}

function refundForm(refundable) {
  const currency = invoice.totals.currency;
  return `<form id="refund" novalidate><fieldset><legend>Refund a member</legend><div class="fields two">
    <div class="field"><label for="refund-member">Member</label> <select id="refund-member" name="memberId" data-label="Member">${refundable.map(s =>
      `<option value="${esc(s.memberId)}">${esc(label(s.memberId))}: up to ${money(s.left, currency)}</option>`).join('')}</select></div>
    <label>Amount (${esc(currency)}) <input name="amount" data-label="Amount" inputmode="decimal" required placeholder="${(refundable[0].left / 100).toFixed(2)}"></label>
    <div class="field"><label for="refund-reason">Reason</label> <select id="refund-reason" name="reason" data-label="Reason"><option value="requested_by_customer">Requested by the member</option>
      <option value="duplicate">Duplicate</option><option value="fraudulent">Fraudulent</option><option value="">None given</option></select></div>
    </div></fieldset><p><button type="submit">Refund</button></p></form>`;
}

async function refund(event) {
  event.preventDefault();
  const form = event.target;
  const alert = main.querySelector('#organiser-alert');
  clearProblem(alert);
  const data = new FormData(form);
  const amount = parseMoney(data.get('amount'), invoice.totals.currency);
  if (!amount) return showProblem(alert, { problem: { title: 'Enter the amount to refund, such as 20.00.', field: 'amount' } }, form);
  const key = newIdempotencyKey();
  await busy(form, async () => {
    try {
      const { body } = await api('POST', `/invoices/${encodeURIComponent(invoice.id)}/refunds`, {
        idempotencyKey: key,
        body: { memberId: data.get('memberId'), amount, reason: data.get('reason') || null },
      });
      show(body.invoice);
    } catch (e) {
      showProblem(alert, e, form);
    }
  });
  schedule();
}

function renderRecords() {
  const currency = invoice.totals?.currency || 'USD';
  const payments = invoice.payments;
  const refunds = invoice.refunds;
  section('records', `<h2 id="records-title">Payments${refunds.length ? ' and refunds' : ''}</h2>
    ${payments.length ? `<table class="stack" data-testid="payments"><thead><tr><th>For</th><th>By</th><th class="num">Amount</th><th>Status</th><th>When</th></tr></thead>
      <tbody>${payments.map(p => `<tr data-payment="${esc(p.id)}"><td data-label="For">${esc(label(p.memberId))}</td>
        <td data-label="By">${esc(label(p.payerId))}</td><td data-label="Amount" class="num">${money(p.amount, p.currency)}</td>
        <td data-label="Status">${badge(p.status)}${p.declineCode || p.errorCode ? ` <span class="muted small">${esc(p.declineCode || p.errorCode)}</span>` : ''}</td>
        <td data-label="When">${date(p.created)}</td></tr>`).join('')}</tbody></table>` : '<p class="muted small">No payments yet.</p>'}
    ${refunds.length ? `<h3>Refunds</h3><table class="stack" data-testid="refunds"><thead><tr><th>To</th><th class="num">Amount</th><th>Status</th><th>Reason</th><th>When</th></tr></thead>
      <tbody>${refunds.map(r => `<tr data-refund="${esc(r.memberId)}" data-status="${esc(r.status)}"><td data-label="To">${esc(label(r.memberId))}</td>
        <td data-label="Amount" class="num">${money(r.amount, currency)}</td><td data-label="Status">${badge(r.status)}${r.failureReason ? ` <span class="muted small">${esc(r.failureReason)}</span>` : ''}</td>
        <td data-label="Reason">${esc((r.reason || '—').replace(/_/g, ' '))}</td><td data-label="When">${date(r.created)}</td></tr>`).join('')}</tbody></table>` : ''}`,
  { hidden: invoice.status === 'open' });
}
