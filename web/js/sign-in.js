// The development "sign in as" form: POST /dev/sign-in (Payments.Host in Development only) mints the token the CLI's
// `token` command mints; it is kept in this browser's localStorage, where the development token hook reads it.
import { config } from './config.js';
import { renderHeader, currentUser } from './session.js';
import { showProblem, clearProblem, busy } from './ui.js';

const main = document.querySelector('main');
const next = new URLSearchParams(location.search).get('next');
const target = next && next.startsWith('/') && !next.startsWith('//') ? next : '/invoices';

renderHeader(await currentUser());
if (!config.developmentSignIn) {
  main.innerHTML = `<h1>Sign in</h1><p>Sign in through your organisation's sign-in page.</p>`;
} else {
  main.innerHTML = `
    <h1>Sign in (development)</h1>
    <p class="muted">Development only: be anyone. The Host mints the same token as
      <code>dotnet run --project Payments.Host -- token --sub USER --email EMAIL</code>.</p>
    <section class="panel">
      <form id="sign-in" novalidate>
        <div class="fields">
          <label>User id <input name="userId" data-label="User id" required autocomplete="username" placeholder="alice"></label>
          <label>Email (the invoice's emails go there) <input name="email" data-label="Email" type="email" autocomplete="email" placeholder="alice@example.test"></label>
          <label class="choice"><input type="checkbox" name="admin"> Admin (the staff routes)</label>
        </div>
        <div class="alert" role="alert" hidden></div>
        <p><button type="submit">Sign in</button></p>
      </form>
    </section>`;
  const form = main.querySelector('#sign-in');
  const alert = form.querySelector('[role="alert"]');
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearProblem(alert);
    const data = new FormData(form);
    await busy(form, async () => {
      try {
        const response = await fetch('/dev/sign-in', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ userId: data.get('userId').trim(), email: data.get('email').trim() || null, admin: data.get('admin') === 'on' }),
        });
        const body = await response.json().catch(() => null);
        if (!response.ok) {
          showProblem(alert, { problem: body && body.title ? body : { title: `Sign-in failed (${response.status}).` } }, form);
          return;
        }
        localStorage.setItem('payments.devToken', body.token);
        location.assign(target);
      } catch {
        showProblem(alert, { problem: { title: 'The sign-in could not be reached.' } }, form);
      }
    });
  });
}
