// Signing in: an admin's email and password (a session from POST /auth/login) or an API key with the admin scope.
import {h, field, replace} from './lib/dom.js';
import {api} from './lib/api.js';
import * as session from './lib/session.js';

/** Whether /me describes an admin: a session with the admin role, or a key with the admin scope. */
export function isAdmin(me) {
  return me && (me.role === 'admin' || (me.scopes || []).includes('admin'));
}

/** Renders the sign-in page into {@code root}; calls {@code signedIn()} once a credential is an admin's. */
export function renderSignIn(root, signedIn, message) {
  const status = h('div', {class: 'signin-status', 'aria-live': 'assertive'});
  if (message) status.append(h('p', {class: 'error-text', role: 'alert'}, message));

  const email = h('input', {type: 'email', name: 'email', autocomplete: 'username', required: true});
  const password = h('input', {type: 'password', name: 'password', autocomplete: 'current-password', required: true});
  const passwordForm = h('form', {class: 'signin-form', id: 'signin-password', onsubmit: async e => {
    e.preventDefault();
    await attempt(passwordForm, async () => {
      const {data} = await api('/auth/login', {method: 'POST', body: {email: email.value.trim(), password: password.value}, anonymous: true});
      session.remember('session', data.token, data.user.email);
    });
  }},
  field('Email', email),
  field('Password', password),
  h('button', {class: 'primary', type: 'submit'}, 'Sign in'));

  const key = h('input', {type: 'password', name: 'key', autocomplete: 'off', spellcheck: 'false', required: true});
  const keyForm = h('form', {class: 'signin-form', id: 'signin-key', hidden: true, onsubmit: async e => {
    e.preventDefault();
    await attempt(keyForm, async () => {
      const credential = {kind: 'key', secret: key.value.trim()};
      const {data} = await api('/me', {credential});
      if (!isAdmin(data)) {
        throw new Error('this API key does not have the admin scope; create one with: gatehouse keys create --name ops --scope admin');
      }
      // named by its id, never by any part of its secret
      session.remember('key', credential.secret, `admin key #${String(data.subject).replace(/^key:/, '')}`);
    });
  }},
  field('Admin API key', key, 'An API key with the admin scope; it stays in this tab only.'),
  h('button', {class: 'primary', type: 'submit'}, 'Sign in with key'));

  async function attempt(form, work) {
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    replace(status);
    try {
      await work();
      signedIn();
    } catch (e) {
      replace(status, h('p', {class: 'error-text', role: 'alert'}, e.message));
    } finally {
      button.disabled = false;
    }
  }

  const tabs = [['password', 'Email and password', passwordForm], ['key', 'API key', keyForm]];
  const tabButtons = tabs.map(([id, label, form]) => h('button', {type: 'button', role: 'tab', id: `tab-${id}`, 'aria-selected': String(id === 'password'),
    'aria-controls': form.id, onclick: () => {
      tabs.forEach(([other, , otherForm], i) => {
        tabButtons[i].setAttribute('aria-selected', String(other === id));
        otherForm.hidden = other !== id;
      });
      form.querySelector('input').focus();
    }}, label));

  replace(root, h('main', {class: 'signin'},
    h('div', {class: 'signin-card'},
      h('h1', {}, h('span', {class: 'brand-mark', 'aria-hidden': 'true'}), 'Gatehouse'),
      h('p', {class: 'muted'}, 'Sign in to this node\'s admin listener with an admin\'s account or an admin API key.'),
      h('div', {class: 'tabs', role: 'tablist', 'aria-label': 'How to sign in'}, tabButtons),
      passwordForm, keyForm, status,
      h('p', {class: 'muted small'}, 'No admin yet? ', h('code', {}, 'gatehouse users create --email you@example.com --role admin'),
        ' or ', h('code', {}, 'gatehouse keys create --name ops --scope admin'), '.'))));
  email.focus();
}
