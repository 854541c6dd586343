// The dashboard: sign-in, the page frame, and moving between pages (#/keys). Every figure comes from the admin API
// on this listener, called with the signed-in credential.
import {h, replace} from './lib/dom.js';
import {api, onSignedOut} from './lib/api.js';
import * as session from './lib/session.js';
import * as live from './lib/live.js';
import {renderSignIn, isAdmin} from './signin.js';
import {pages} from './pages/index.js';

const root = document.getElementById('app');
let stopPage = null;
let documented = new Set();
let shell = null;

const ctx = {
  live,
  /** Whether the admin API documents {@code path} (as /openapi.json lists it). */
  has: path => documented.has(path),
  navigate: id => { location.hash = `#/${id}`; },
};

async function start(message) {
  const credential = session.current();
  if (!credential) {
    showSignIn(message);
    return;
  }
  try {
    const {data} = await api('/me');
    if (!isAdmin(data)) throw new Error('this credential is not an admin\'s');
    ctx.me = data;
  } catch (e) {
    session.forget();
    showSignIn(e.message);
    return;
  }
  try {
    const {data} = await api('/openapi.json');
    documented = new Set(Object.keys(data.paths || {}));
  } catch {
    documented = new Set();
  }
  renderShell(credential);
  route();
}

function showSignIn(message) {
  stopPage?.();
  stopPage = null;
  shell = null;
  live.close();
  document.title = 'Sign in · Gatehouse';
  renderSignIn(root, () => start(), message);
}

async function signOut() {
  const credential = session.current();
  if (credential?.kind === 'session') {
    await api('/auth/logout', {method: 'POST'}).catch(() => {});
  }
  session.forget();
  showSignIn('Signed out.');
}

function visiblePages() {
  return pages.filter(p => !p.requires || documented.has(p.requires));
}

function renderShell(credential) {
  const status = h('span', {class: 'live-status', 'aria-live': 'polite'});
  live.onStatus(s => {
    status.dataset.state = s;
    status.textContent = {live: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', stopped: 'Not live', idle: ''}[s] || s;
  });
  const nav = h('nav', {class: 'sidebar', 'aria-label': 'Dashboard pages'},
    h('ul', {}, visiblePages().map(p => h('li', {}, h('a', {href: `#/${p.id}`, dataset: {page: p.id}}, p.title)))));
  const main = h('main', {id: 'main', tabindex: '-1'});
  shell = {main, nav};
  replace(root,
    h('a', {class: 'skip', href: '#main', onclick: e => { e.preventDefault(); main.focus(); }}, 'Skip to content'),
    h('header', {class: 'topbar'},
      h('a', {class: 'brand', href: '#/overview'}, h('span', {class: 'brand-mark', 'aria-hidden': 'true'}), 'Gatehouse'),
      status,
      h('div', {class: 'topbar-right'},
        h('a', {href: '/openapi.json', target: '_blank', rel: 'noopener', title: 'The admin API this page calls (OpenAPI 3.1)'}, 'Admin API'),
        h('span', {class: 'who', title: 'Signed in as'}, credential.who),
        h('button', {type: 'button', class: 'secondary small', onclick: signOut}, 'Sign out'))),
    h('div', {class: 'layout'}, nav, main));
}

function route() {
  if (!shell) return;
  const id = (location.hash.match(/^#\/([a-z-]+)/) || [])[1];
  const page = visiblePages().find(p => p.id === id) || visiblePages()[0];
  if (page.id !== id) {
    history.replaceState(null, '', `#/${page.id}`);
  }
  stopPage?.();
  shell.nav.querySelectorAll('a').forEach(a => {
    if (a.dataset.page === page.id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  replace(shell.main);
  document.title = `${page.title} · Gatehouse`;
  stopPage = page.render(shell.main, ctx) || null;
}

window.addEventListener('hashchange', route);
onSignedOut(detail => {
  session.forget();
  showSignIn(detail ? `Signed out: ${detail}` : 'Your sign-in has ended; sign in again.');
});
start();
