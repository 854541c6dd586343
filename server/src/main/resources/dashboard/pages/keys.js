// API keys: create one (its secret is shown once, with a copy button), find keys among any number (paged and
// searched by the server), revoke one after confirming.
import {h, replace, select, field} from '../lib/dom.js';
import {api, query, nextLink} from '../lib/api.js';
import {panel, table, badge, emptyState, errorBox, confirmAction, showDialog, copyButton, notice, spinner} from '../lib/ui.js';
import * as fmt from '../lib/format.js';

const PAGE = 50;
const STATE_TONE = {active: 'ok', expired: 'warn', revoked: 'bad'};

export default {
  id: 'keys',
  title: 'API keys',
  render(main) {
    const messages = h('div', {id: 'keys-messages'});
    const list = h('div', {id: 'keys-list'}, spinner());
    const filters = {q: '', state: '', tier: '', order: 'newest'};
    let pages = [null];   // the "after" of each page seen, for going back
    let tiers = [];
    let cancelled = false;

    const name = h('input', {name: 'name', required: true, maxlength: 200, placeholder: 'e.g. billing-service'});
    const tier = select({name: 'tier'}, ['free']);
    const scopes = h('input', {name: 'scopes', placeholder: 'e.g. orders:read, admin'});
    const expires = h('input', {name: 'expires', type: 'date'});
    const create = h('form', {id: 'key-create', class: 'form-row', onsubmit: async e => {
      e.preventDefault();
      const button = create.querySelector('button');
      button.disabled = true;
      try {
        const body = {name: name.value.trim(), tier: tier.value,
          scopes: scopes.value.split(',').map(s => s.trim()).filter(Boolean)};
        if (expires.value) body.expiresAt = new Date(`${expires.value}T23:59:59`).toISOString();
        const {data} = await api('/keys', {method: 'POST', body});
        create.reset();
        showSecret(data);
        pages = [null];
        load();
      } catch (err) {
        notice(messages, `Could not create the key: ${err.message}`, 'bad');
      } finally {
        button.disabled = false;
      }
    }},
    h('div', {class: 'field wide'}, h('label', {for: 'key-name'}, 'Name'), Object.assign(name, {id: 'key-name'})),
    field('Tier', tier),
    field('Scopes', scopes, 'Comma-separated; admin for the admin API'),
    field('Expires', expires, 'Optional; end of that day'),
    h('button', {class: 'primary', type: 'submit'}, 'Create key'));

    const search = h('input', {type: 'search', name: 'q', placeholder: 'Name, prefix or id', 'aria-label': 'Search keys'});
    let searchTimer;
    search.addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => { filters.q = search.value.trim(); pages = [null]; load(); }, 250);
    });
    const stateFilter = select({'aria-label': 'State', onchange: e => { filters.state = e.target.value; pages = [null]; load(); }},
      [['', 'Any state'], 'active', 'expired', 'revoked'], '');
    const tierFilter = select({'aria-label': 'Tier', onchange: e => { filters.tier = e.target.value; pages = [null]; load(); }}, [['', 'Any tier']], '');
    const orderFilter = select({'aria-label': 'Order', onchange: e => { filters.order = e.target.value; pages = [null]; load(); }},
      [['newest', 'Newest first'], ['oldest', 'Oldest first']], 'newest');

    main.append(
      h('div', {class: 'page-head'}, h('h1', {}, 'API keys')),
      h('p', {class: 'page-intro'}, 'Keys identify callers of the gateway; their tier sets their rate limits. A key\'s secret is shown once, when it is created: only its hash is stored.'),
      messages,
      panel('Create a key', null, create),
      panel('Keys', h('div', {class: 'form-row small'}, search, stateFilter, tierFilter, orderFilter), list));

    api('/tiers').then(({data}) => {
      tiers = Object.keys(data);
      // "anonymous" is for callers without a credential, not a tier to give a key
      replace(tier, ...tiers.filter(t => t !== 'anonymous').map(t => h('option', {value: t, selected: t === 'free'}, t)));
      tierFilter.append(...tiers.map(t => h('option', {value: t}, t)));
    }).catch(err => notice(messages, `Could not read the tiers: ${err.message}`, 'bad'));

    async function load() {
      const after = pages[pages.length - 1];
      const pageNumber = pages.length;
      try {
        const {data, headers} = await api(`/keys${query({...filters, limit: PAGE, after})}`);
        if (cancelled) return;
        const total = Number(headers.get('x-total-count'));
        const next = nextLink(headers);
        const first = (pageNumber - 1) * PAGE + 1;
        const filtered = filters.q || filters.state || filters.tier;
        replace(list,
          table([
            {label: 'Id', value: k => k.id, numeric: true},
            {label: 'Name', value: k => k.name, class: 'wrap'},
            {label: 'Prefix', value: k => h('code', {}, k.prefix)},
            {label: 'Tier', value: k => k.tier},
            {label: 'Scopes', value: k => k.scopes.length ? k.scopes.join(', ') : h('span', {class: 'muted'}, 'none')},
            {label: 'State', value: k => badge(k.state, STATE_TONE[k.state])},
            {label: 'Created', value: k => h('span', {title: fmt.time(k.createdAt)}, fmt.ago(k.createdAt))},
            {label: 'Last used', value: k => k.lastUsedAt ? h('span', {title: fmt.time(k.lastUsedAt)}, fmt.ago(k.lastUsedAt)) : h('span', {class: 'muted'}, 'never')},
            {label: 'Expires', value: k => k.expiresAt ? fmt.time(k.expiresAt) : h('span', {class: 'muted'}, 'never')},
            {label: '', value: k => k.state === 'revoked' ? null
              : h('button', {type: 'button', class: 'link danger-text', 'aria-label': `Revoke key ${k.name} (${k.prefix})`, onclick: () => revoke(k)}, 'Revoke')},
          ], data, {caption: 'API keys', empty: filtered
            ? emptyState('No key matches', 'Try another name, prefix or id, or clear the filters.')
            : emptyState('No API keys yet', h('span', {}, 'Create one above, or from the command line: ', h('code', {}, 'gatehouse keys create --name billing')))}),
          data.length ? h('div', {class: 'pager'},
            h('span', {class: 'count', id: 'keys-count'}, `Showing ${fmt.count(first)}–${fmt.count(first + data.length - 1)} of ${fmt.count(total)}`),
            h('button', {type: 'button', class: 'secondary small', disabled: pages.length === 1, onclick: () => { pages.pop(); load(); }}, 'Previous'),
            h('button', {type: 'button', class: 'secondary small', disabled: !next, onclick: () => {
              pages.push(new URL(next, location.href).searchParams.get('after'));
              load();
            }}, 'Next')) : null);
      } catch (err) {
        if (!cancelled) replace(list, errorBox(err, 'Listing keys'));
      }
    }

    async function revoke(key) {
      const ok = await confirmAction({title: `Revoke ${key.name}?`, confirm: 'Revoke key',
        body: `Requests with the key ${key.prefix}… are refused from now on, on every node. This cannot be undone.`});
      if (!ok) return;
      try {
        await api(`/keys/${key.id}`, {method: 'DELETE'});
        notice(messages, `Revoked ${key.name} (${key.prefix}…).`);
        load();
      } catch (err) {
        notice(messages, `Could not revoke ${key.name}: ${err.message}`, 'bad');
      }
    }

    function showSecret(created) {
      const secret = h('input', {readonly: true, value: created.key, 'aria-label': 'The new key', id: 'new-key-secret', onfocus: e => e.target.select()});
      const dialog = showDialog(`Key ${created.name} created`, h('div', {},
        h('p', {}, h('strong', {}, 'Copy this key now: it is shown only once.'), ' Gatehouse keeps only its hash; if it is lost, revoke it and create another.'),
        h('div', {class: 'secret'}, secret, copyButton(created.key)),
        created.warnings ? h('div', {class: 'notice notice-warn'}, created.warnings.join('; ')) : null,
        h('p', {class: 'muted small'}, 'Send it as ', h('code', {}, 'X-API-Key: <key>'), ' or ', h('code', {}, 'Authorization: Bearer <key>'), '.'),
        h('form', {method: 'dialog', class: 'actions'}, h('button', {class: 'primary', value: 'done'}, 'I have copied it'))));
      dialog.id = 'key-created';
      secret.focus();
    }

    load();
    return () => { cancelled = true; clearTimeout(searchTimer); };
  },
};
