// Small helpers the pages share: escaping, money, dates, statuses, and showing an API problem.
export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const zeroDecimal = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);

/** Minor units (as the API counts them) shown in the currency's major unit, e.g. 7134 USD → $71.34. */
export function money(amount, currency = 'USD') {
  if (amount === null || amount === undefined) return '—';
  const code = String(currency).toUpperCase();
  const major = zeroDecimal.has(code) ? amount : amount / 100;
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: code }).format(major);
}

export function date(value) {
  if (!value) return '—';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

/** A status as a badge: its word, and a class for its colour. */
export function badge(status, label = status) {
  return `<span class="badge status-${esc(status)}" data-status="${esc(status)}">${esc(String(label).replace(/_/g, ' '))}</span>`;
}

/** What a decline's `nextAction` asks of the person (docs/purchases.md, the decline table). */
export const advice = {
  use_another_card: 'Use another card.',
  update_card_details: 'Check the card details and try again.',
  contact_bank: 'Your bank declined it: contact your bank, or use another card.',
  retry_later: 'Try again in a little while.',
  authenticate: 'Your bank asks you to confirm this payment.',
  add_card: 'Add the card again on My cards, then pay with it.',
  approve: 'PayPal needs you again: choose how to pay there.',
};

/**
 * Shows an error in `box` (a role="alert" element): the problem's title, what to do next for a decline, and which
 * field it is about; marks that field in `form` (by name) as invalid. Never the raw JSON.
 */
export function showProblem(box, error, form) {
  const problem = error && error.problem ? error.problem : { title: error?.message || 'Something went wrong.' };
  const field = problem.field;
  const parts = [`<strong>${esc(problem.title || 'Something went wrong.')}</strong>`];
  if (Array.isArray(problem.productIds)) parts.push(`<span>Not available: ${esc(problem.productIds.join(', '))}.</span>`);
  if (problem.nextAction && advice[problem.nextAction]) parts.push(`<span data-testid="advice">${esc(advice[problem.nextAction])}</span>`);
  if (problem.approveUrl) parts.push(`<a href="${esc(problem.approveUrl)}" data-testid="approve-link">Go to PayPal</a>`);
  const input = field && form ? form.querySelector(`[name="${CSS.escape(field)}"]`) : null;
  if (field) parts.push(`<span class="field">(${esc(input?.dataset.label || field)})</span>`);
  box.innerHTML = parts.join(' ');
  box.hidden = false;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.addEventListener('input', () => input.removeAttribute('aria-invalid'), { once: true });
    input.focus();
  }
}

export function clearProblem(box) {
  box.hidden = true;
  box.textContent = '';
}

/** Disables a form's controls while `work` runs, so a payment is never sent twice by a double click. */
export async function busy(form, work) {
  const controls = [...form.querySelectorAll('button, input, select, textarea')].filter(c => !c.disabled);
  controls.forEach(c => { c.disabled = true; });
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    controls.forEach(c => { c.disabled = false; });
    form.removeAttribute('aria-busy');
  }
}

/** A saved card as people name it: "Visa •••• 4242". */
export function cardName(c) {
  const brand = c.brand ? c.brand[0].toUpperCase() + c.brand.slice(1) : 'Card';
  return `${brand} •••• ${c.last4}`;
}

/** Money typed in the major unit ("20", "20.5", "20.00") as minor units, or null when it is not an amount. */
export function parseMoney(text, currency = 'USD') {
  const match = /^\s*(\d{1,9})(?:[.,](\d{0,2}))?\s*$/.exec(text || '');
  if (!match) return null;
  if (zeroDecimal.has(String(currency).toUpperCase())) return match[2] ? null : Number(match[1]);
  return Number(match[1]) * 100 + Number((match[2] || '').padEnd(2, '0'));
}
