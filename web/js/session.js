// Who is signed in, for the pages' own use (which items are mine, "you"): read from the token the hook returns. The API
// checks the token; the pages only read its `sub` and `email` to label things.
import { config, getToken } from './config.js';

export async function currentUser() {
  const token = await getToken();
  if (!token) return null;
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(decodeURIComponent(escape(atob(payload))));
    return { id: claims.sub, email: claims.email || null };
  } catch {
    return null;
  }
}

export function signInHref() {
  const next = encodeURIComponent(location.pathname + location.search);
  return `${config.signInUrl || '/sign-in'}?next=${next}`;
}

export function signOut() {
  localStorage.removeItem('payments.devToken');
  location.assign(signInHref());
}

/** The header every page shows: its links and who is signed in. */
export function renderHeader(user) {
  const header = document.querySelector('header.site');
  const current = location.pathname;
  const link = (href, text) =>
    `<a href="${href}"${current === href ? ' aria-current="page"' : ''}>${text}</a>`;
  header.innerHTML = `
    <a class="brand" href="/invoices">Group pay</a>
    <nav aria-label="Main">${link('/invoices', 'My invoices')}${link('/cards', 'My cards')}</nav>
    <div class="who">${user
      ? `<span>Signed in as <strong data-testid="signed-in-user"></strong></span>
         ${config.developmentSignIn ? '<button type="button" class="link" id="sign-out">Sign out</button>' : ''}`
      : `<a href="${signInHref()}">Sign in</a>`}</div>`;
  if (user) header.querySelector('[data-testid="signed-in-user"]').textContent = user.id;
  header.querySelector('#sign-out')?.addEventListener('click', signOut);
}

/** The page's start: the header, and the signed-in user or a sign-in prompt in `main` (null then). */
export async function startPage() {
  const user = await currentUser();
  renderHeader(user);
  if (!user) {
    const main = document.querySelector('main');
    main.innerHTML = `<h1>Sign in</h1><p>Sign in to see your group invoices and cards.</p>
      <p><a class="button" href="${signInHref()}">Sign in</a></p>`;
  }
  return user;
}
