// One live-stats stream (GET /stats/stream, Server-Sent Events) per tab, shared by whatever page is watching. It is
// read with fetch rather than EventSource so the credential goes in a header, never in the URL.
import * as session from './session.js';

const watchers = new Set();
const statusWatchers = new Set();
let controller = null;
let node = '';
let samples = [];
let status = 'idle';
let retryTimer = null;
let closeTimer = null;

export const KEPT = 900;

/** fn({type: 'history', samples}) once, then fn({type: 'sample', sample}) every second; returns the unsubscribe function. */
export function watch(fn) {
  watchers.add(fn);
  clearTimeout(closeTimer);
  if (samples.length) fn({type: 'history', samples: samples.slice(), node});
  if (!controller) open();
  return () => {
    watchers.delete(fn);
    // keep the stream a moment: moving between pages should not drop the fifteen minutes it holds
    if (!watchers.size) closeTimer = setTimeout(close, 30000);
  };
}

/** fn(status) on 'connecting', 'live', 'reconnecting', 'stopped'. */
export function onStatus(fn) {
  statusWatchers.add(fn);
  fn(status);
  return () => statusWatchers.delete(fn);
}

export function latest() {
  return samples.length ? samples[samples.length - 1] : null;
}

/** Which node to watch ('' for the one serving this page); the stream starts again for it. */
export function selectNode(id) {
  if (id === node) return;
  node = id;
  samples = [];
  if (controller) {
    close();
    open();
  }
}

export function selectedNode() {
  return node;
}

export function close() {
  clearTimeout(retryTimer);
  controller?.abort();
  controller = null;
  setStatus('stopped');
}

function setStatus(s) {
  status = s;
  statusWatchers.forEach(fn => fn(s));
}

async function open(attempt = 0) {
  const ctl = new AbortController();
  controller = ctl;
  setStatus(attempt ? 'reconnecting' : 'connecting');
  try {
    const response = await fetch(`/stats/stream${node ? `?node=${encodeURIComponent(node)}` : ''}`,
      {headers: {...session.headers(), Accept: 'text/event-stream'}, signal: ctl.signal, cache: 'no-store'});
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw Object.assign(new Error(problem.detail || `the stream answered ${response.status}`), {status: response.status});
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    attempt = 0;
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        handle(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } catch (e) {
    if (ctl.signal.aborted) return;
    if (e.status === 401 || e.status === 403) {
      setStatus('stopped');
      return;
    }
  }
  if (controller === ctl && !ctl.signal.aborted) {
    setStatus('reconnecting');
    retryTimer = setTimeout(() => open(attempt + 1), Math.min(1000 * 2 ** attempt, 10000));
  }
}

function handle(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (!data.length) return;
  const payload = JSON.parse(data.join('\n'));
  if (event === 'history') {
    samples = payload.samples.slice(-KEPT);
    setStatus('live');
    watchers.forEach(fn => fn({type: 'history', samples: samples.slice(), node: payload.node}));
  } else if (event === 'sample') {
    samples.push(payload);
    if (samples.length > KEPT) samples.shift();
    watchers.forEach(fn => fn({type: 'sample', sample: payload}));
  } else if (event === 'end') {
    close();
  }
}
