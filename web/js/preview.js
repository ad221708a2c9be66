// The organiser's preview of the shares before checkout locks them. The API prices and locks an invoice only at
// checkout (POST /api/invoices/{id}/checkout) and has no route that prices one without locking it, so the preview is
// worked out here from documented parts: the fee and shipping of the whole cart from POST /api/quotes (the server's
// fee rule and the products' shipping), and the shares by the rule docs/group-invoices.md states (largest remainder,
// ties to the earlier member; Payments.Core/Invoices/Apportion.cs), in integers. Shipping at checkout is priced for the
// address's country (Invoices:Shipping), which the API does not publish: the preview says so, and the locked shares are
// always the server's.
import { api } from './api.js';

/** Parts proportional to weights that sum exactly to total; all-zero weights split equally. */
export function byWeights(total, weights) {
  const sum = weights.reduce((a, w) => a + BigInt(w), 0n);
  if (sum === 0n) return equally(total, weights.length);
  const t = BigInt(total);
  const parts = weights.map(w => (t * BigInt(w)) / sum);
  const remainders = weights.map(w => (t * BigInt(w)) % sum);
  let left = Number(t - parts.reduce((a, p) => a + p, 0n));
  const order = weights.map((_, i) => i).sort((a, b) => (remainders[b] > remainders[a] ? 1 : remainders[b] < remainders[a] ? -1 : a - b));
  for (const i of order) {
    if (left-- <= 0) break;
    parts[i] += 1n;
  }
  return parts.map(Number);
}

/** Equal parts differing by at most one minor unit; the earlier parts carry the extra units. */
export function equally(total, count) {
  return Array.from({ length: count }, (_, i) => Math.floor(total / count) + (i < total % count ? 1 : 0));
}

/** The shares a checkout in `mode` would give, in join order: {totals, shares: [{memberId, amount}], pricesChanged}. */
export async function previewShares(invoice, mode) {
  const merged = new Map();
  for (const m of invoice.members)
    for (const line of m.items) merged.set(line.productId, (merged.get(line.productId) || 0) + line.quantity);
  if (merged.size === 0) return { empty: true };
  const { body: quote } = await api('POST', '/quotes', {
    body: { items: [...merged].map(([productId, quantity]) => ({ productId, quantity })) },
  });
  const members = invoice.members.map(m => ({
    memberId: m.userId,
    subtotal: m.itemsSubtotal,
    physical: m.items.filter(l => l.kind === 'physical').reduce((a, l) => a + l.quantity, 0),
  }));
  const totals = { currency: quote.currency, subtotal: quote.subtotal, fee: quote.fee, shipping: quote.shipping, total: quote.total };
  let amounts;
  if (mode === 'each') {
    const fees = byWeights(totals.fee, members.map(m => m.subtotal));
    const shipping = byWeights(totals.shipping, members.map(m => m.physical));
    amounts = members.map((m, i) => m.subtotal + fees[i] + shipping[i]);
  } else if (mode === 'split') {
    amounts = equally(totals.total, members.length);
  } else {
    amounts = members.map(m => (m.memberId === invoice.organiserId ? totals.total : 0));
  }
  return {
    totals,
    shares: members.map((m, i) => ({ memberId: m.memberId, amount: amounts[i] })),
    // A product's price changed since its member added it: checkout prices it anew (from the catalog, as the quote did).
    pricesChanged: members.reduce((a, m) => a + m.subtotal, 0) !== quote.subtotal,
  };
}
