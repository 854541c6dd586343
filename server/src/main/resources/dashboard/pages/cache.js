// The response cache: how well it answers (by level), what it holds, and purging by path, prefix or tag, or clearing it.
import {h, replace, select, field} from '../lib/dom.js';
import {api} from '../lib/api.js';
import {panel, tile, errorBox, confirmAction, notice, spinner} from '../lib/ui.js';
import {COLORS} from '../lib/chart.js';
import * as fmt from '../lib/format.js';

const KINDS = [['path', 'Exact path'], ['prefix', 'Path prefix'], ['tag', 'Tag (Surrogate-Key)']];
const PLACEHOLDER = {path: '/api/v1/resources/1', prefix: '/api/v1/resources/', tag: 'resources'};

export default {
  id: 'cache',
  title: 'Cache',
  render(main) {
    const messages = h('div', {id: 'cache-messages'});
    const stats = h('div', {id: 'cache-stats'}, spinner());
    let cancelled = false;

    const kind = select({name: 'kind', onchange: () => { value.placeholder = PLACEHOLDER[kind.value]; }}, KINDS, 'path');
    const value = h('input', {name: 'value', required: true, placeholder: PLACEHOLDER.path});
    const route = h('input', {name: 'route', placeholder: 'any route'});
    const purge = h('form', {id: 'cache-purge', class: 'form-row', onsubmit: async e => {
      e.preventDefault();
      const body = {[kind.value]: value.value.trim()};
      if (route.value.trim() && kind.value !== 'tag') body.route = route.value.trim();
      const what = `${KINDS.find(k => k[0] === kind.value)[1].toLowerCase()} ${body[kind.value]}`;
      if (!await confirmAction({title: 'Purge cached answers?', confirm: 'Purge',
        body: `Answers cached for the ${what}${body.route ? ` on route ${body.route}` : ''} are dropped from both levels, on every node. The next request for them goes upstream.`})) return;
      try {
        const {data} = await api('/cache/purge', {method: 'POST', body});
        notice(messages, data.purged === 0 ? `Nothing was cached for the ${what}.` : `Purged ${fmt.count(data.purged)} cached ${data.purged === 1 ? 'answer' : 'answers'} for the ${what}.`,
          data.purged === 0 ? 'warn' : 'ok');
        refresh();
      } catch (err) {
        notice(messages, `Purge failed: ${err.message}`, 'bad');
      }
    }},
    field('Purge by', kind), h('div', {class: 'field wide'}, h('label', {for: 'purge-value'}, 'Value'), Object.assign(value, {id: 'purge-value'})),
    field('Route', route, 'Optional, for a path or prefix'),
    h('button', {class: 'primary', type: 'submit'}, 'Purge'));

    const clear = h('button', {type: 'button', class: 'danger', id: 'cache-clear', onclick: async () => {
      if (!await confirmAction({title: 'Clear the whole cache?', confirm: 'Clear cache',
        body: 'Every cached answer is dropped, on every node; until they are cached again, all requests go to the upstreams.'})) return;
      try {
        await api('/cache/clear', {method: 'POST'});
        notice(messages, 'The cache is cleared.');
        refresh();
      } catch (err) {
        notice(messages, `Clearing failed: ${err.message}`, 'bad');
      }
    }}, 'Clear cache');

    main.append(
      h('div', {class: 'page-head'}, h('h1', {}, 'Cache')),
      h('p', {class: 'page-intro'}, 'Answers to GET and HEAD on routes with a cache: the first level in this node\'s memory, the second in Redis when configured. Counts are this node\'s since it started.'),
      messages, stats,
      panel('Purge', null, purge),
      panel('Clear', null, h('p', {class: 'muted'}, 'Drops everything cached, on every node.'), clear));

    async function refresh() {
      try {
        const {data: s} = await api('/cache');
        if (cancelled) return;
        const total = s.l1Hits + s.l2Hits + s.staleServed + s.misses;
        const part = n => total ? `${(100 * n / total).toFixed(1)}%` : '0';
        replace(stats,
          h('div', {class: 'tiles'},
            tile('Hit ratio', total ? fmt.percent(s.hitRatio) : '—', {sub: total ? `${fmt.count(total)} cacheable requests` : 'no cacheable request yet', stat: 'hit-ratio'}),
            tile('Entries', fmt.count(s.entries), {sub: 'in this node\'s memory', stat: 'entries'}),
            tile('Size', fmt.bytes(s.bytes), {sub: `${fmt.count(s.evictions)} evicted`}),
            tile('Second level', {absent: 'Off', available: 'Redis up', unavailable: 'Redis down'}[s.l2] || s.l2,
              {sub: s.l2 === 'absent' ? 'no redis.url' : 'shared by the nodes', tone: s.l2 === 'unavailable' ? 'bad' : null})),
          panel('Hits by level', null,
            h('div', {class: 'bar', role: 'img', 'aria-label': `L1 ${part(s.l1Hits)}, L2 ${part(s.l2Hits)}, stale ${part(s.staleServed)}, miss ${part(s.misses)}`},
              h('span', {style: `width:${part(s.l1Hits)};background:${COLORS.cache}`}),
              h('span', {style: `width:${part(s.l2Hits)};background:#34d399`}),
              h('span', {style: `width:${part(s.staleServed)};background:${COLORS.limited}`}),
              h('span', {style: `width:${part(s.misses)};background:#cbd5e1`})),
            h('div', {class: 'legend'},
              h('span', {}, h('i', {style: `background:${COLORS.cache}`}), `L1 (memory) ${fmt.count(s.l1Hits)}`),
              h('span', {}, h('i', {style: 'background:#34d399'}), `L2 (Redis) ${fmt.count(s.l2Hits)}`),
              h('span', {}, h('i', {style: `background:${COLORS.limited}`}), `Stale served ${fmt.count(s.staleServed)}`),
              h('span', {}, h('i', {style: 'background:#cbd5e1'}), `Misses ${fmt.count(s.misses)}`))));
      } catch (err) {
        if (!cancelled) replace(stats, errorBox(err, 'Reading the cache statistics'));
      }
    }

    refresh();
    const timer = setInterval(refresh, 5000);
    return () => { cancelled = true; clearInterval(timer); };
  },
};
