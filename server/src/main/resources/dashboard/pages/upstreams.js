// Upstreams: each pool's targets with their health, breaker (and its recent transitions), requests in flight and
// failures; the reference's "circuit breakers" view.
import {h, replace} from '../lib/dom.js';
import {api} from '../lib/api.js';
import {panel, table, badge, emptyState, errorBox, spinner} from '../lib/ui.js';
import * as fmt from '../lib/format.js';

const BREAKER_TONE = {CLOSED: 'ok', HALF_OPEN: 'warn', OPEN: 'bad', FORCED_OPEN: 'bad', DISABLED: 'neutral'};
const BREAKER_WORDS = {CLOSED: 'Closed', HALF_OPEN: 'Half open', OPEN: 'Open', FORCED_OPEN: 'Forced open', DISABLED: 'No breaker'};

function health(t) {
  if (t.ejected) return badge('Ejected', 'bad');
  if (!t.healthy) return badge('Unhealthy', 'bad');
  return badge('Healthy', 'ok');
}

export default {
  id: 'upstreams',
  title: 'Upstreams',
  render(main) {
    const holder = h('div', {id: 'upstreams'}, spinner());
    let cancelled = false;
    main.append(
      h('div', {class: 'page-head'}, h('h1', {}, 'Upstreams')),
      h('p', {class: 'page-intro'}, 'Each pool\'s targets as this node sees them now: health checks and passive ejection, the circuit breaker per target, and the requests under way. Refreshed every 2 seconds.'),
      holder);

    async function refresh() {
      try {
        const {data} = await api('/upstreams');
        if (cancelled) return;
        const pools = Object.entries(data);
        if (!pools.length) {
          replace(holder, emptyState('No upstreams', 'Add an upstream pool to the configuration file and point a route at it.'));
          return;
        }
        replace(holder, pools.map(([name, pool]) => {
          const usable = pool.targets.filter(t => t.usable).length;
          return panel(`${name}`, h('span', {class: 'muted small'},
            `${usable} of ${pool.targets.length} usable · ${pool.balancer}${pool.healthCheck ? ` · checks ${pool.healthCheck}` : ' · no active checks'}`),
          table([
            {label: 'Target', value: t => h('code', {}, t.target)},
            {label: 'Health', value: health},
            {label: 'Breaker', value: t => badge(BREAKER_WORDS[t.breaker] || t.breaker, BREAKER_TONE[t.breaker])},
            {label: 'Failure rate', value: t => t.failureRate === null ? h('span', {class: 'muted', title: 'fewer calls than the breaker\'s minimum so far'}, '—') : fmt.percent(t.failureRate / 100), numeric: true},
            {label: 'In flight', value: t => fmt.count(t.inFlight), numeric: true},
            {label: 'Successes', value: t => fmt.count(t.successes), numeric: true},
            {label: 'Failures', value: t => fmt.count(t.failures), numeric: true},
            {label: 'Weight', value: t => t.weight, numeric: true},
            {label: 'Breaker transitions', class: 'wrap', value: t => t.transitions.length
              ? h('ul', {class: 'transitions'}, t.transitions.slice(-4).reverse().map(tr => h('li', {title: fmt.time(tr.at)},
                `${BREAKER_WORDS[tr.from] || tr.from} → `, badge(BREAKER_WORDS[tr.to] || tr.to, BREAKER_TONE[tr.to]), ` ${fmt.ago(tr.at)}`)))
              : h('span', {class: 'muted'}, 'none since start')},
          ], pool.targets, {caption: `Targets of ${name}`}));
        }));
      } catch (err) {
        if (!cancelled) replace(holder, errorBox(err, 'Reading the upstreams'));
      }
    }
    refresh();
    const timer = setInterval(refresh, 2000);
    return () => { cancelled = true; clearInterval(timer); };
  },
};
