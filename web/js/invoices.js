// My invoices (/invoices): GET /api/me/invoices with my role, the status and my share; create one (POST /api/invoices);
// join one by its link or id (POST /api/invoices/{id}/members). A shared link is /invoices?join=inv_….
import { api } from './api.js';
import { startPage } from './session.js';
import { esc, money, date, badge, showProblem, clearProblem, busy } from './ui.js';

const main = document.querySelector('main');
const user = await startPage();
if (user) await show();

async function show() {
  const join = new URLSearchParams(location.search).get('join') || '';
  main.innerHTML = `
    <h1>My invoices</h1>
    <section class="panel" aria-labelledby="list-title">
      <h2 id="list-title" class="visually-hidden">Invoices I am on</h2>
      <div id="list"><p class="muted">Loading…</p></div>
    </section>
    <div class="grid-2">
      <section class="panel" aria-labelledby="create-title">
        <h2 id="create-title">Start a group invoice</h2>
        <form id="create" novalidate>
          <div class="fields">
            <label>Title <input name="title" data-label="Title" maxlength="200" placeholder="Tour merch"></label>
          </div>
          <div class="alert" role="alert" hidden></div>
          <p><button type="submit">Create invoice</button></p>
        </form>
      </section>
      <section class="panel" aria-labelledby="join-title">
        <h2 id="join-title">Join by link</h2>
        <form id="join" novalidate>
          <div class="fields">
            <label>Invoice link or id <input name="invoice" data-label="Invoice link or id" required value="${esc(join)}"
              placeholder="https://…/invoices?join=inv_…"></label>
          </div>
          <div class="alert" role="alert" hidden></div>
          <p><button type="submit">Join invoice</button></p>
        </form>
      </section>
    </div>`;
  wireCreate(main.querySelector('#create'));
  wireJoin(main.querySelector('#join'));
  if (join) main.querySelector('#join button').focus();
  await list();
}

async function list() {
  const box = main.querySelector('#list');
  try {
    const { body } = await api('GET', '/me/invoices');
    if (body.data.length === 0) {
      box.innerHTML = '<p class="muted">No invoices yet. Start one, or join one with the link someone shared.</p>';
      return;
    }
    box.innerHTML = `<table class="stack" data-testid="my-invoices">
      <thead><tr><th>Invoice</th><th>My role</th><th>Status</th><th class="num">Total</th><th class="num">My share</th><th>Pay by</th></tr></thead>
      <tbody>${body.data.map(i => `<tr data-invoice="${esc(i.id)}">
        <td data-label="Invoice"><a href="/invoices/${encodeURIComponent(i.id)}">${esc(i.title || i.id)}</a></td>
        <td data-label="My role">${esc(i.role)}</td>
        <td data-label="Status">${badge(i.status)}</td>
        <td data-label="Total" class="num">${i.total === null ? '<span class="muted">at checkout</span>' : money(i.total, i.currency)}</td>
        <td data-label="My share" class="num">${i.myShare === null ? '—' : money(i.myShare, i.currency)}</td>
        <td data-label="Pay by">${date(i.deadline)}</td></tr>`).join('')}</tbody></table>`;
  } catch (e) {
    box.innerHTML = '<div class="alert" role="alert"></div>';
    showProblem(box.firstChild, e);
  }
}

function wireCreate(form) {
  const alert = form.querySelector('[role="alert"]');
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearProblem(alert);
    const title = new FormData(form).get('title').trim();
    await busy(form, async () => {
      try {
        const { body } = await api('POST', '/invoices', { body: title ? { title } : {} });
        location.assign(`/invoices/${encodeURIComponent(body.id)}`);
      } catch (e) {
        showProblem(alert, e, form);
      }
    });
  });
}

/** The invoice id in what was pasted: a link (…/invoices/inv_… or …?join=inv_…) or the id itself. */
export function invoiceIdIn(text) {
  const match = /(inv_[a-z0-9]+)/i.exec(text || '');
  return match ? match[1] : null;
}

function wireJoin(form) {
  const alert = form.querySelector('[role="alert"]');
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearProblem(alert);
    const id = invoiceIdIn(new FormData(form).get('invoice'));
    if (!id) {
      showProblem(alert, { problem: { title: 'That is not an invoice link: it names no inv_… id.', field: 'invoice' } }, form);
      return;
    }
    await busy(form, async () => {
      try {
        await api('POST', `/invoices/${encodeURIComponent(id)}/members`);
        location.assign(`/invoices/${encodeURIComponent(id)}`);
      } catch (e) {
        showProblem(alert, e.status === 404
          ? { problem: { title: 'No such invoice: check the link with whoever shared it.', field: 'invoice' } }
          : e, form);
      }
    });
  });
}
