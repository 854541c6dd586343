// Time-series charts on uPlot (served from its webjar in the jar). Colours carry meaning and are the same on every
// chart: traffic blue, 5xx red, 429 amber, cache green; latency percentiles one hue, darker for the higher one.
import uPlot from '/dashboard/vendor/uplot/uPlot.esm.js';
import {h} from './dom.js';

export const COLORS = {
  requests: '#2563eb', errors: '#dc2626', limited: '#d97706', cache: '#059669', neutral: '#475569',
  p50: '#93c5fd', p95: '#3b82f6', p99: '#1e3a8a',
};

/** Time labels: hours and minutes within a day, the date too over longer spans. */
function timeLabels(u, values) {
  const span = u.scales.x.max - u.scales.x.min;
  return values.map(v => {
    const d = new Date(v * 1000);
    const time = d.toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit', second: span < 180 ? '2-digit' : undefined});
    return span > 86400 ? `${d.toLocaleDateString('en-GB', {day: 'numeric', month: 'short'})} ${time}` : time;
  });
}

/**
 * A line chart in {@code container}: series [{label, color, format}], y values formatted by {@code yFormat}; with
 * {@code log}, a logarithmic y axis (values must be above 0: null leaves a gap).
 * Returns {update(xs, ys, window), destroy()}; xs are seconds since the epoch, ys one array per series.
 */
export function lineChart(container, {title, series, yFormat = v => String(v), height = 200, percent = false, log = false}) {
  const holder = h('div', {class: 'chart', role: 'img', 'aria-label': title});
  // on a log scale, lines and labels at the powers of ten only (1 ms, 10 ms, 100 ms, 1 s)
  const decades = log ? {filter: (u, splits) => splits.map(v => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? v : null)} : {};
  container.append(holder);
  const opts = {
    width: Math.max(container.clientWidth - 4, 200),
    height,
    cursor: {drag: {x: false, y: false}},
    legend: {live: true},
    // latency on a log scale: one slow request must not flatten every other second
    scales: {x: {time: true}, y: log ? {distr: 3, log: 10} : {range: (u, min, max) => [0, percent ? 1 : max > 0 ? max * 1.15 : 1]}},
    axes: [
      {stroke: '#64748b', grid: {stroke: '#e2e8f0', width: 1}, ticks: {stroke: '#cbd5e1'}, values: timeLabels},
      {stroke: '#64748b', grid: {stroke: '#e2e8f0', width: 1, ...decades}, ticks: {stroke: '#cbd5e1', ...decades}, size: 64,
        // a split the filter left out comes as null: no label (a formatter would write its dash)
        values: (u, values) => values.map(v => v === null ? '' : yFormat(v)), ...decades},
    ],
    series: [
      {value: (u, v) => v === null ? '—' : new Date(v * 1000).toLocaleTimeString('en-GB')},
      ...series.map(s => ({label: s.label, stroke: s.color, width: 2, points: {show: false}, spanGaps: false,
        value: (u, v) => v === null || v === undefined ? '—' : (s.format || yFormat)(v)})),
    ],
  };
  const plot = new uPlot(opts, [[], ...series.map(() => [])], holder);
  const resize = new ResizeObserver(() => {
    const width = Math.max(container.clientWidth - 4, 200);
    if (Math.abs(width - plot.width) > 2) plot.setSize({width, height});
  });
  resize.observe(container);
  return {
    /** New data; with {@code window} seconds, the x axis spans that long up to the last point (a steady live view). */
    update(xs, ys, window) {
      plot.setData([xs, ...ys], !window);
      if (window && xs.length) {
        plot.setScale('x', {min: xs[xs.length - 1] - window, max: xs[xs.length - 1]});
      }
      // without a pointer over the chart, the legend shows the latest values rather than dashes
      if (plot.cursor.left === undefined || plot.cursor.left < 0) plot.setLegend({idx: xs.length - 1});
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
      holder.remove();
    },
  };
}
