// The request log: find requests by id, status, route, key and time; a row opens the whole record.
import {h, replace, select, field} from '../lib/dom.js';
import {api, query, nextLink} from '../lib/api.js';
import {panel, table, badge, emptyState, errorBox, showDialog, spinner} from '../lib/ui.js';
import * as fmt from '../lib/format.js';

const RANGES = [['15m', 'Last 15 min'], ['1h', 'Last hour'], ['24h', 'Last 24 h'], ['7d', 'Last 7 days']];

export function statusTone(status) {
  return status >= 500 ? 'bad' : status === 429 || status >= 400 ? 'warn' : status >= 200 && status < 400 ? 'ok' : 'neutral';
}

export default {
  id: 'logs',
  title: 'Logs',
  render(main) {
    const results = h('div', {id: 'logs-results'});
    let cancelled = false;
    let rows = [];

    const requestId = h('input', {name: 'requestId', placeholder: 'X-Request-Id', spellcheck: 'false'});
    const status = h('input', {name: 'status', placeholder: '503 or 5xx', size: 8});
    const route = h('input', {name: 'route', placeholder: 'any', list: 'log-routes'});
    const key = h('input', {name: 'key', placeholder: 'key id', inputmode: 'numeric', size: 8});
    const since = select({name: 'since'}, RANGES, '1h');
    const routeNames = h('datalist', {id: 'log-routes'});
    const form = h('form', {id: 'logs-search', class: 'form-row', onsubmit: e => { e.preventDefault(); search(); }},
      h('div', {class: 'field wide'}, h('label', {for: 'log-request-id'}, 'Request id'), Object.assign(requestId, {id: 'log-request-id'})),
      field('Status', status), field('Route', route), field('Key', key), field('Time', since, 'Ignored for a request id'),
      h('button', {class: 'primary', type: 'submit'}, 'Search'), routeNames);

    main.append(
      h('div', {class: 'page-head'}, h('h1', {}, 'Logs')),
      h('p', {class: 'page-intro'}, 'Every request the gateway answered, as the request log keeps it (raw rows for logs.retention). Newest first; select a row to see all of it.'),
      panel('Search', null, form), results);

    api('/routes').then(({data}) => routeNames.append(...data.map(r => h('option', {value: r.name})))).catch(() => {});

    async function search(next) {
      const params = next ? null : {requestId: requestId.value.trim(), status: status.value.trim(), route: route.value.trim(),
        key: key.value.trim(), since: requestId.value.trim() ? '' : since.value, limit: 50};
      if (!next) {
        rows = [];
        replace(results, spinner('Searching…'));
      }
      try {
        const {data, headers} = await api(next || `/logs${query(params)}`);
        if (cancelled) return;
        rows = rows.concat(data);
        const more = nextLink(headers);
        replace(results, panel(`${fmt.count(rows.length)}${more ? '+' : ''} ${rows.length === 1 && !more ? 'request' : 'requests'}`, null,
          table([
            {label: 'Time', value: r => fmt.time(r.time)},
            {label: 'Status', value: r => badge(String(r.status), statusTone(r.status))},
            {label: 'Method', value: r => r.method},
            {label: 'Path', value: r => h('code', {}, r.path), class: 'wrap'},
            {label: 'Route', value: r => r.route},
            {label: 'Duration', value: r => fmt.ms(r.durationUs / 1000), numeric: true},
            {label: 'Cache', value: r => r.cache || ''},
            {label: 'Caller', value: r => r.subject || r.client || ''},
            {label: 'Request id', value: r => h('code', {}, r.requestId)},
          ], rows, {onOpen: open, rowTitle: 'Show the whole record', caption: 'Requests',
            empty: emptyState('No request matches', params?.requestId
              ? 'No request with that id is in the log. Rows are written within a few seconds of the answer; ids are kept for logs.retention.'
              : 'Widen the time range or clear a filter.')}),
          more ? h('div', {class: 'pager'}, h('button', {type: 'button', class: 'secondary small', onclick: () => search(more)}, 'Load more')) : null));
      } catch (err) {
        if (!cancelled) replace(results, errorBox(err, 'Searching the log'));
      }
    }

    function open(row) {
      const dialog = showDialog(`${row.method} ${row.path}`, h('dl', {class: 'kv', id: 'log-record'},
        Object.entries(row).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null ? h('span', {class: 'muted'}, '—')
          : k === 'status' ? badge(String(v), statusTone(v)) : k.endsWith('Us') ? `${fmt.count(v)} µs` : k.startsWith('bytes') ? fmt.bytes(v) : String(v))])),
      {wide: true});
      dialog.dataset.requestId = row.requestId;
    }

    search();
    return () => { cancelled = true; };
  },
};
