// Overview: the node's traffic live (one sample a second over the live-stats stream, the last 15 minutes drawn),
// or the request log's analytics over 1 h, 24 h or 7 d (computed in PostgreSQL from per-minute rollups).
import {h, replace, select} from '../lib/dom.js';
import {api, query} from '../lib/api.js';
import {tile, panel, segmented, emptyState, errorBox, table, spinner} from '../lib/ui.js';
import {lineChart, COLORS} from '../lib/chart.js';
import * as fmt from '../lib/format.js';

const RANGES = [['live', 'Live · 15 min'], ['1h', '1 h'], ['24h', '24 h'], ['7d', '7 d']];
const STEPS = {'1h': '1m', '24h': '15m', '7d': '2h'};
const STEP_SECONDS = {'1h': 60, '24h': 900, '7d': 7200};
let chosenRange = 'live';

export default {
  id: 'overview',
  title: 'Overview',
  render(main, ctx) {
    const tiles = h('div', {class: 'tiles', id: 'overview-tiles'});
    const notice = h('div', {id: 'overview-notice'});
    const charts = h('div', {class: 'grid-2', id: 'overview-charts'});
    const below = h('div', {id: 'overview-below'});
    const nodePicker = h('span');
    main.append(
      h('div', {class: 'page-head'}, h('h1', {}, 'Overview'),
        h('div', {class: 'tools'}, nodePicker, segmented('Time range', RANGES, chosenRange, range => { chosenRange = range; show(); }))),
      notice, tiles, charts, below);

    let stop = () => {};
    let views = [];
    const destroyCharts = () => { views.forEach(v => v.destroy()); views = []; replace(charts); };

    function chartPanel(title, options, wide) {
      const body = h('div', {class: 'chart-body'});
      charts.append(h('section', {class: `panel${wide ? ' span-2' : ''}`, 'aria-label': title}, h('div', {class: 'panel-head'}, h('h2', {}, title)), body));
      const chart = lineChart(body, {title, ...options});
      views.push(chart);
      return chart;
    }

    function makeCharts(live) {
      destroyCharts();
      return {
        traffic: chartPanel('Requests per second', {yFormat: fmt.compact, series: [
          {label: 'All', color: COLORS.requests, format: fmt.perSecond},
          {label: '5xx', color: COLORS.errors, format: fmt.perSecond},
          {label: '429', color: COLORS.limited, format: fmt.perSecond}]}),
        latency: chartPanel('Latency', {yFormat: fmt.ms, log: true, series: [
          {label: 'p50', color: COLORS.p50}, {label: 'p95', color: COLORS.p95}, {label: 'p99', color: COLORS.p99}]}),
        // without the live connections chart beside it, the cache chart takes the row
        cache: chartPanel(live ? 'Cache hit ratio (10 s)' : 'Cache hit ratio', {yFormat: fmt.percent, percent: true, series: [{label: 'Hits', color: COLORS.cache}]}, !live),
        connections: live ? chartPanel('Open client connections', {yFormat: fmt.compact, series: [
          {label: 'Connections', color: COLORS.neutral, format: fmt.count},
          {label: 'Upstream in flight', color: COLORS.requests, format: fmt.count}]}) : null,
      };
    }

    function show() {
      stop();
      replace(notice);
      replace(below);
      stop = chosenRange === 'live' ? showLive() : showRange(chosenRange);
    }

    function showLive() {
      const view = makeCharts(true);
      replace(tiles, spinner('Waiting for the live stream…'));
      let samples = [];
      let lastDraw = 0;
      const draw = () => {
        lastDraw = Date.now();
        const xs = samples.map(s => Date.parse(s.time) / 1000);
        // the last 15 minutes once there are that many; until then what there is, at least two minutes wide
        const span = xs.length ? xs[xs.length - 1] - xs[0] : 0;
        const window = Math.min(900, Math.max(120, span));
        view.traffic.update(xs, [samples.map(s => s.requestsPerSecond), samples.map(s => s.errorsPerSecond), samples.map(s => s.rateLimitedPerSecond)], window);
        view.latency.update(xs, [samples.map(s => s.latencyMs.p50), samples.map(s => s.latencyMs.p95), samples.map(s => s.latencyMs.p99)], window);
        view.cache.update(xs, [smoothedHitRatio(samples)], window);
        view.connections.update(xs, [samples.map(s => s.connections), samples.map(s => s.upstreamInFlight)], window);
        liveTiles(samples);
      };
      const unwatch = ctx.live.watch(event => {
        if (event.type === 'history') samples = event.samples;
        else {
          samples.push(event.sample);
          if (samples.length > ctx.live.KEPT) samples.shift();
        }
        // a hidden tab draws nothing; it catches up when seen again
        if (!document.hidden || Date.now() - lastDraw > 30000) draw();
      });
      const nodes = pickNode();
      return () => { unwatch(); nodes(); };
    }

    /** Each second's hit ratio over the ten seconds up to it, weighted by lookups: a second with two requests does not swing it. */
    function smoothedHitRatio(samples) {
      let hits = 0;
      let lookups = 0;
      return samples.map((s, i) => {
        hits += (s.cacheHitRatio ?? 0) * (s.cacheLookupsPerSecond || 0);
        lookups += s.cacheLookupsPerSecond || 0;
        if (i >= 10) {
          const old = samples[i - 10];
          hits -= (old.cacheHitRatio ?? 0) * (old.cacheLookupsPerSecond || 0);
          lookups -= old.cacheLookupsPerSecond || 0;
        }
        return lookups > 1e-9 ? Math.min(1, Math.max(0, hits / lookups)) : null;
      });
    }

    function liveTiles(samples) {
      const last = samples[samples.length - 1];
      if (!last) {
        replace(tiles, spinner('Waiting for the first sample…'));
        return;
      }
      const recent = samples.slice(-5);
      const avg = key => recent.reduce((sum, s) => sum + (s[key] || 0), 0) / recent.length;
      const latest = key => {
        for (let i = samples.length - 1; i >= Math.max(0, samples.length - 5); i--) {
          if (samples[i].latencyMs[key] !== null) return samples[i].latencyMs[key];
        }
        return null;
      };
      const cacheable = recent.reduce((sum, s) => sum + (s.cacheLookupsPerSecond || 0), 0);
      const hitRatio = cacheable > 0 ? recent.reduce((sum, s) => sum + (s.cacheHitRatio ?? 0) * (s.cacheLookupsPerSecond || 0), 0) / cacheable : null;
      const rps = avg('requestsPerSecond');
      const errorRate = rps === 0 ? 0 : avg('errorsPerSecond') / rps;
      replace(tiles,
        tile('Requests/s', fmt.perSecond(rps), {sub: `${fmt.count(last.requests)} since the node started`, stat: 'requests'}),
        tile('Latency p50', fmt.ms(latest('p50')), {sub: 'last 5 s', stat: 'p50'}),
        tile('Latency p95', fmt.ms(latest('p95')), {sub: 'last 5 s', stat: 'p95'}),
        tile('Latency p99', fmt.ms(latest('p99')), {sub: 'last 5 s', stat: 'p99'}),
        tile('Error rate', fmt.percent(errorRate), {sub: '5xx of all requests', tone: errorRate >= 0.05 ? 'bad' : errorRate >= 0.01 ? 'warn' : null, stat: 'error-rate'}),
        tile('Rate limited', fmt.perSecond(avg('rateLimitedPerSecond')), {sub: '429s', tone: avg('rateLimitedPerSecond') > 0 ? 'warn' : null, stat: 'limited'}),
        tile('Cache hit ratio', fmt.percent(hitRatio), {sub: hitRatio === null ? 'no cacheable request' : 'cached routes, last 5 s', stat: 'cache'}),
        tile('Connections', fmt.count(last.connections), {sub: `${fmt.count(last.upstreamInFlight)} upstream in flight`, stat: 'connections'}),
        upstreamTile(last));
      if (!samples.some(s => s.requestsPerSecond > 0)) {
        replace(notice, emptyState('No requests in the last 15 minutes',
          'Send a request through the gateway listener (for example: curl http://localhost:8080/…) and it shows here within a second.'));
      } else {
        replace(notice);
      }
    }

    function upstreamTile(sample) {
      if (sample.targets === undefined || sample.targets === 0) return tile('Upstreams', '—', {sub: 'no upstream targets'});
      const down = sample.targets - sample.healthyTargets;
      return tile('Upstreams', `${sample.healthyTargets} / ${sample.targets}`, {
        sub: sample.openBreakers ? `${sample.openBreakers} ${sample.openBreakers === 1 ? "breaker" : "breakers"} open` : down ? `${down} unhealthy` : 'targets healthy',
        tone: sample.openBreakers || down === sample.targets ? 'bad' : down ? 'warn' : null, stat: 'upstreams'});
    }

    function pickNode() {
      let cancelled = false;
      api('/nodes').then(({data}) => {
        if (cancelled) return;
        const liveNodes = data.filter(n => n.live);
        if (liveNodes.length < 2) {
          replace(nodePicker, liveNodes.length === 1 ? h('span', {class: 'muted small', title: 'The node this page watches'}, `Node ${liveNodes[0].nodeId}`) : null);
          return;
        }
        const picker = select({'aria-label': 'Node', onchange: e => ctx.live.selectNode(e.target.value)},
          [['', 'This node'], ...liveNodes.map(n => [n.nodeId, `${n.nodeId} (${n.hostname})`])], ctx.live.selectedNode());
        replace(nodePicker, h('label', {class: 'small muted'}, 'Node ', picker));
      }).catch(() => {});
      return () => { cancelled = true; };
    }

    function showRange(range) {
      const view = makeCharts(false);
      replace(tiles, spinner());
      let timer = null;
      let cancelled = false;
      const load = async () => {
        try {
          const [summary, series] = await Promise.all([
            api(`/analytics/summary${query({since: range})}`),
            api(`/analytics/series${query({since: range, step: STEPS[range]})}`)]);
          if (cancelled) return;
          rangeTiles(summary.data, range);
          const points = series.data.points;
          const step = STEP_SECONDS[range];
          const xs = points.map(p => Date.parse(p.time) / 1000);
          view.traffic.update(xs, [points.map(p => p.requests / step), points.map(p => p.errors / step), points.map(p => p.rateLimited / step)]);
          view.latency.update(xs, [points.map(p => p.p50Ms), points.map(p => p.p95Ms), points.map(p => p.p99Ms)]);
          view.cache.update(xs, [points.map(p => p.cacheHitRatio)]);
          replace(below, panel(`Busiest routes · ${range}`, null, table([
            {label: 'Route', value: r => r.route},
            {label: 'Requests', value: r => fmt.count(r.requests), numeric: true},
            {label: '5xx', value: r => fmt.count(r.errors), numeric: true},
            {label: '429', value: r => fmt.count(r.rateLimited), numeric: true},
          ], summary.data.topRoutes, {empty: emptyState('No requests in this range', 'Requests appear here once the request log has written them (within a few seconds).')})));
        } catch (e) {
          if (!cancelled) replace(notice, errorBox(e, 'Loading analytics'));
        }
      };
      load();
      timer = setInterval(load, 60000);
      return () => { cancelled = true; clearInterval(timer); };
    }

    function rangeTiles(s, range) {
      replace(tiles,
        tile('Requests/s', fmt.perSecond(s.requestsPerSecond), {sub: `${fmt.count(s.requests)} in ${range}`, stat: 'requests'}),
        tile('Latency p50', fmt.ms(s.latencyMs.p50), {sub: `over ${range}`}),
        tile('Latency p95', fmt.ms(s.latencyMs.p95), {sub: `over ${range}`}),
        tile('Latency p99', fmt.ms(s.latencyMs.p99), {sub: `over ${range}`}),
        tile('Error rate', fmt.percent(s.errorRate), {sub: s.errors ? `${fmt.count(s.errors)} 5xx` : 'no 5xx', tone: s.errorRate >= 0.05 ? 'bad' : s.errorRate >= 0.01 ? 'warn' : null}),
        tile('Rate limited', fmt.count(s.rateLimited), {sub: '429s', tone: s.rateLimited > 0 ? 'warn' : null}),
        tile('Cache hit ratio', fmt.percent(s.cacheHitRatio), {sub: `${fmt.count(s.cacheLookups)} cacheable`}),
        tile('Traffic', fmt.bytes(s.bytesOut), {sub: `out; ${fmt.bytes(s.bytesIn)} in`}));
      if (s.requests === 0) {
        replace(notice, emptyState(`No requests in the last ${range}`, 'Analytics come from the request log (logs.enabled). Send traffic through the gateway and it shows here within a minute.'));
      } else {
        replace(notice);
      }
    }

    show();
    return () => { stop(); destroyCharts(); };
  },
};
