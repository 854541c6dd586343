// Users: create, find (paged and searched by the server), change role or tier, delete.
import {h, replace, select, field} from '../lib/dom.js';
import {api, query, nextLink} from '../lib/api.js';
import {panel, table, emptyState, errorBox, confirmAction, notice, spinner} from '../lib/ui.js';
import * as fmt from '../lib/format.js';

const PAGE = 50;

export default {
  id: 'users',
  title: 'Users',
  render(main) {
    const messages = h('div', {id: 'users-messages'});
    const list = h('div', {id: 'users-list'}, spinner());
    const filters = {q: '', role: '', tier: ''};
    let pages = [null];
    let tiers = ['free'];
    let cancelled = false;

    const email = h('input', {type: 'email', name: 'email', required: true, autocomplete: 'off'});
    const password = h('input', {type: 'password', name: 'password', required: true, minlength: 8, autocomplete: 'new-password'});
    const role = select({name: 'role'}, ['user', 'admin'], 'user');
    const tier = select({name: 'tier'}, tiers, 'free');
    const create = h('form', {id: 'user-create', class: 'form-row', onsubmit: async e => {
      e.preventDefault();
      try {
        const {data} = await api('/users', {method: 'POST', body: {email: email.value.trim(), password: password.value, role: role.value, tier: tier.value}});
        create.reset();
        notice(messages, `Created ${data.email} (${data.role}, ${data.tier}). They sign in with that password.`);
        pages = [null];
        load();
      } catch (err) {
        notice(messages, `Could not create the user: ${err.message}`, 'bad');
      }
    }}, h('div', {class: 'field wide'}, h('label', {for: 'user-email'}, 'Email'), Object.assign(email, {id: 'user-email'})),
    field('Password', password), field('Role', role), field('Tier', tier), h('button', {class: 'primary', type: 'submit'}, 'Create user'));

    const search = h('input', {type: 'search', placeholder: 'Email contains…', 'aria-label': 'Search users'});
    let searchTimer;
    search.addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => { filters.q = search.value.trim(); pages = [null]; load(); }, 250);
    });
    const roleFilter = select({'aria-label': 'Role', onchange: e => { filters.role = e.target.value; pages = [null]; load(); }}, [['', 'Any role'], 'admin', 'user'], '');
    const tierFilter = select({'aria-label': 'Tier', onchange: e => { filters.tier = e.target.value; pages = [null]; load(); }}, [['', 'Any tier']], '');

    main.append(
      h('div', {class: 'page-head'}, h('h1', {}, 'Users')),
      h('p', {class: 'page-intro'}, 'People who sign in with email and password: admins reach this dashboard and the admin API, users the routes that accept sessions. A new role or password ends their sessions.'),
      messages,
      panel('Create a user', null, create),
      panel('Users', h('div', {class: 'form-row small'}, search, roleFilter, tierFilter), list));

    api('/tiers').then(({data}) => {
      tiers = Object.keys(data).filter(t => t !== 'anonymous');
      replace(tier, ...tiers.map(t => h('option', {value: t, selected: t === 'free'}, t)));
      tierFilter.append(...tiers.map(t => h('option', {value: t}, t)));
      load();
    }).catch(err => notice(messages, `Could not read the tiers: ${err.message}`, 'bad'));

    async function change(user, body, what) {
      try {
        await api(`/users/${user.id}`, {method: 'PATCH', body});
        notice(messages, `${user.email}: ${what}.`);
        load();
      } catch (err) {
        notice(messages, `Could not change ${user.email}: ${err.message}`, 'bad');
        load();
      }
    }

    async function remove(user) {
      if (!await confirmAction({title: `Delete ${user.email}?`, confirm: 'Delete user', body: 'Their sessions end at once, on every node. This cannot be undone.'})) return;
      try {
        await api(`/users/${user.id}`, {method: 'DELETE'});
        notice(messages, `Deleted ${user.email}.`);
        load();
      } catch (err) {
        notice(messages, `Could not delete ${user.email}: ${err.message}`, 'bad');
      }
    }

    async function load() {
      const after = pages[pages.length - 1];
      try {
        const {data, headers} = await api(`/users${query({...filters, limit: PAGE, after})}`);
        if (cancelled) return;
        const total = Number(headers.get('x-total-count'));
        const next = nextLink(headers);
        const first = (pages.length - 1) * PAGE + 1;
        replace(list, table([
          {label: 'Id', value: u => u.id, numeric: true},
          {label: 'Email', value: u => u.email},
          {label: 'Role', value: u => select({'aria-label': `Role of ${u.email}`, onchange: async e => {
            if (e.target.value === 'user' && !await confirmAction({title: `Make ${u.email} a user?`, confirm: 'Change role',
              body: 'They lose the dashboard and the admin API, and their sessions end now.'})) {
              e.target.value = u.role;
              return;
            }
            change(u, {role: e.target.value}, `role is now ${e.target.value}; their sessions ended`);
          }}, ['admin', 'user'], u.role)},
          {label: 'Tier', value: u => select({'aria-label': `Tier of ${u.email}`, onchange: e => change(u, {tier: e.target.value}, `tier is now ${e.target.value}`)},
            tiers.includes(u.tier) ? tiers : [...tiers, u.tier], u.tier)},
          {label: '', value: u => h('button', {type: 'button', class: 'link danger-text', 'aria-label': `Delete ${u.email}`, onclick: () => remove(u)}, 'Delete')},
        ], data, {caption: 'Users', empty: filters.q || filters.role || filters.tier
          ? emptyState('No user matches', 'Try another part of the email, or clear the filters.')
          : emptyState('No users yet', h('span', {}, 'Create one above, or: ', h('code', {}, 'gatehouse users create --email ada@example.com --role admin')))}),
        data.length ? h('div', {class: 'pager'},
          h('span', {class: 'count'}, `Showing ${fmt.count(first)}–${fmt.count(first + data.length - 1)} of ${fmt.count(total)}`),
          h('button', {type: 'button', class: 'secondary small', disabled: pages.length === 1, onclick: () => { pages.pop(); load(); }}, 'Previous'),
          h('button', {type: 'button', class: 'secondary small', disabled: !next, onclick: () => {
            pages.push(new URL(next, location.href).searchParams.get('after'));
            load();
          }}, 'Next')) : null);
      } catch (err) {
        if (!cancelled) replace(list, errorBox(err, 'Listing users'));
      }
    }

    return () => { cancelled = true; clearTimeout(searchTimer); };
  },
};
