// Numbers as people read them: with their unit, rounded to what matters, and a dash for "nothing to show".
const DASH = '—';

export function count(n) {
  if (n === null || n === undefined) return DASH;
  return Math.round(n).toLocaleString('en-US');
}

/** 12.3 k, 4.5 M for axes and tight spaces. */
export function compact(n) {
  if (n === null || n === undefined) return DASH;
  const a = Math.abs(n);
  if (a >= 1e9) return `${trim(n / 1e9)} G`;
  if (a >= 1e6) return `${trim(n / 1e6)} M`;
  if (a >= 1e4) return `${trim(n / 1e3)} k`;
  return trim(n);
}

function trim(n) {
  const a = Math.abs(n);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return String(Number(n.toFixed(digits)));
}

export function perSecond(n) {
  return n === null || n === undefined ? DASH : `${compact(n)}/s`;
}

export function ms(v) {
  if (v === null || v === undefined || v < 0) return DASH;
  if (v >= 1000) return `${trim(v / 1000)} s`;
  return `${trim(v)} ms`;
}

/** A ratio (0..1) as a percentage. */
export function percent(r) {
  if (r === null || r === undefined) return DASH;
  const p = r * 100;
  return `${p === 0 || p >= 10 ? p.toFixed(p === 100 || p === 0 ? 0 : 1) : p.toFixed(2)} %`;
}

export function bytes(n) {
  if (n === null || n === undefined) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : trim(v)} ${units[i]}`;
}

/** A time as local date and time, to the second. */
export function time(iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  return d.toLocaleString('en-GB', {year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit'});
}

/** "3 min ago", "in 2 days". */
export function ago(iso, now = Date.now()) {
  if (!iso) return DASH;
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  const a = Math.abs(s);
  const [v, unit] = a < 60 ? [a, 's'] : a < 3600 ? [Math.round(a / 60), 'min'] : a < 86400 ? [Math.round(a / 3600), 'h'] : [Math.round(a / 86400), 'd'];
  if (a < 5) return 'just now';
  return s < 0 ? `${v} ${unit} ago` : `in ${v} ${unit}`;
}

export function duration(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}
