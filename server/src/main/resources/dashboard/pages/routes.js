// Routes: what each matches and where it goes, with its policies; its traffic now (live stream) and over a range
// (the request log's rollups).
import {h, replace} from '../lib/dom.js';
import {api, query} from '../lib/api.js';
import {panel, table, badge, emptyState, errorBox, segmented, spinner} from '../lib/ui.js';
import * as fmt from '../lib/format.js';

const RANGES = [['1h', '1 h'], ['24h', '24 h'], ['7d', '7 d']];

export default {
  id: 'routes',
  title: 'Routes',
  render(main, ctx) {
    const holder = h('div', {id: 'routes-table'}, spinner());
    let routes = null;
    let live = new Map();
    let history = new Map();
    let range = '1h';
    let cancelled = false;

    main.append(
      h('div', {class: 'page-head'}, h('h1', {}, 'Routes'),
        h('div', {class: 'tools'}, h('span', {class: 'muted small'}, 'Range for totals'),
          segmented('Range for totals', RANGES, range, r => { range = r; loadHistory(); }))),
      h('p', {class: 'page-intro'}, 'The routes in effect on this node, in the order they are matched. "Now" is the last five seconds on this node; totals are every node\'s, from the request log.'),
      holder);

    const policies = r => {
      const out = [];
      if (r.auth?.mode && r.auth.mode !== 'none') out.push(badge(`auth ${r.auth.mode}${r.auth.accept ? `: ${r.auth.accept.join('/')}` : ''}`));
      if (r.rateLimit) out.push(badge(r.rateLimit.tiers ? `limit: tiers (${r.rateLimit.mode})` : `limit ${r.rateLimit.limits.join(', ')} (${r.rateLimit.mode})`));
      if (r.cache) out.push(badge(`cache ${fmt.duration(Math.round(r.cache.ttlMs / 1000))}`));
      return out.length ? h('span', {class: 'policies'}, out.flatMap((b, i) => i ? [' ', b] : [b])) : h('span', {class: 'muted'}, 'none');
    };

    function draw() {
      if (!routes) return;
      replace(holder, panel(`${routes.length} ${routes.length === 1 ? 'route' : 'routes'}`, null, table([
        {label: 'Name', value: r => h('strong', {}, r.name)},
        {label: 'Match → upstream', value: r => [r.methods.length ? `${r.methods.join(',')} ` : '', h('code', {}, r.match), r.host ? ` on ${r.host}` : '',
          h('span', {class: 'muted'}, ` → ${r.upstream}`)], class: 'wrap'},
        {label: 'Policies', value: policies, class: 'wrap'},
        {label: 'Now', value: r => nowCell(live.get(r.name)), numeric: true},
        {label: 'p95 now', value: r => fmt.ms(live.get(r.name)?.p95Ms), numeric: true},
        {label: `Requests · ${range}`, value: r => fmt.count(history.get(r.name)?.requests ?? 0), numeric: true},
        {label: `5xx · ${range}`, value: r => errorRate(history.get(r.name)), numeric: true},
        {label: `p95 · ${range}`, value: r => latency(history.get(r.name)), numeric: true},
      ], routes, {caption: 'Routes', empty: emptyState('No routes', 'Add routes to the configuration file; a valid change applies within a second.')})));
    }

    const nowCell = r => {
      const rate = fmt.perSecond(r?.requestsPerSecond ?? 0);
      return r?.errorsPerSecond > 0 ? [rate, ' ', badge(`${fmt.perSecond(r.errorsPerSecond)} 5xx`, 'bad')] : rate;
    };
    const errorRate = r => {
      if (!r || !r.requests) return '—';
      const text = fmt.percent(r.errorRate);
      return r.errorRate >= 0.05 ? badge(text, 'bad') : r.errorRate >= 0.01 ? badge(text, 'warn') : text;
    };
    const latency = r => r && r.requests
      ? h('span', {title: `p50 ${fmt.ms(r.latencyMs.p50)}, p95 ${fmt.ms(r.latencyMs.p95)}, p99 ${fmt.ms(r.latencyMs.p99)}`}, fmt.ms(r.latencyMs.p95)) : '—';

    async function loadHistory() {
      try {
        const {data} = await api(`/analytics/routes${query({since: range})}`);
        if (cancelled) return;
        history = new Map(data.routes.map(r => [r.route, r]));
        draw();
      } catch (err) {
        if (!cancelled) holder.prepend(errorBox(err, 'Reading route analytics'));
      }
    }

    api('/routes').then(({data}) => { routes = data; draw(); }).catch(err => replace(holder, errorBox(err, 'Reading the routes')));
    loadHistory();
    let samples = [];
    const unwatch = ctx.live.watch(event => {
      if (event.type === 'history') samples = [];
      else samples.push(event.sample);
      samples = samples.slice(-5);
      // the last five seconds per route: rates averaged, p95 the latest measured
      const byRoute = new Map();
      for (const s of samples) {
        for (const r of s.routes || []) {
          const acc = byRoute.get(r.route) || {requestsPerSecond: 0, errorsPerSecond: 0, p95Ms: null};
          acc.requestsPerSecond += r.requestsPerSecond / samples.length;
          acc.errorsPerSecond += r.errorsPerSecond / samples.length;
          if (r.p95Ms !== null) acc.p95Ms = r.p95Ms;
          byRoute.set(r.route, acc);
        }
      }
      live = byRoute;
      if (!document.hidden) draw();
    });
    const timer = setInterval(loadHistory, 60000);
    return () => { cancelled = true; unwatch(); clearInterval(timer); };
  },
};
