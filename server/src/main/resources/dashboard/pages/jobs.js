// Jobs: each async queue's depth, pace and quota use, and the jobs themselves by state — the dead letters first, each
// replayed or deleted, or all of them replayed at once. Listed only when the admin API describes /jobs.
import {h, replace, select} from '../lib/dom.js';
import {api, query, nextLink} from '../lib/api.js';
import {panel, table, badge, emptyState, errorBox, confirmAction, notice, showDialog, spinner} from '../lib/ui.js';
import * as fmt from '../lib/format.js';

const STATES = ['dead', 'failed', 'queued', 'running', 'succeeded'];
const TONE = {queued: 'neutral', running: 'ok', succeeded: 'ok', failed: 'warn', dead: 'bad'};

export default {
  id: 'jobs',
  title: 'Jobs',
  requires: '/jobs',
  render(main) {
    const messages = h('div', {id: 'jobs-messages'});
    const queues = h('div', {id: 'job-queues'}, spinner());
    const list = h('div', {id: 'job-list'}, spinner());
    let state = 'dead';
    let queue = '';
    let pages = [null];
    let cancelled = false;

    const queueFilter = select({'aria-label': 'Queue', onchange: e => { queue = e.target.value; pages = [null]; loadJobs(); }}, [['', 'Every queue']], '');
    const stateFilter = select({'aria-label': 'State', onchange: e => { state = e.target.value; pages = [null]; loadJobs(); }}, STATES, state);
    const replayAll = h('button', {type: 'button', class: 'secondary small', onclick: async () => {
      const which = `every ${state} job${queue ? ` of ${queue}` : ''}`;
      if (!await confirmAction({title: `Replay ${which}?`, confirm: 'Replay', danger: false,
        body: `They are queued again with their attempts reset and run as the queue's quota allows.`})) return;
      try {
        const {data} = await api('/jobs/replay', {method: 'POST', body: queue ? {queue, state} : {state}});
        notice(messages, `Replayed ${fmt.count(data.replayed)} ${data.replayed === 1 ? 'job' : 'jobs'}.`, data.replayed ? 'ok' : 'warn');
        refresh();
      } catch (err) {
        notice(messages, `Replay failed: ${err.message}`, 'bad');
      }
    }}, 'Replay all');

    main.append(
      h('div', {class: 'page-head'}, h('h1', {}, 'Jobs')),
      h('p', {class: 'page-intro'}, 'Requests to async routes, stored and answered 202 at once, then called upstream by workers at the pace the queue\'s quota allows. A job that fails every attempt becomes a dead letter: replay it once the cause is fixed.'),
      messages,
      panel('Queues', null, queues),
      panel('Jobs', h('div', {class: 'form-row small'}, stateFilter, queueFilter, replayAll), list));

    async function loadQueues() {
      try {
        const {data} = await api('/jobs/queues');
        if (cancelled) return;
        if (queueFilter.options.length === 1) queueFilter.append(...data.map(q => h('option', {value: q.queue}, q.queue)));
        replace(queues, table([
          {label: 'Queue', value: q => h('strong', {}, q.queue)},
          {label: 'Upstream', value: q => q.upstream},
          {label: 'Queued', value: q => fmt.count(q.depth.queued), numeric: true},
          {label: 'Running', value: q => fmt.count(q.depth.running), numeric: true},
          {label: 'Failed', value: q => q.depth.failed ? badge(fmt.count(q.depth.failed), 'warn') : '0', numeric: true},
          {label: 'Dead', value: q => q.depth.dead ? badge(fmt.count(q.depth.dead), 'bad') : '0', numeric: true},
          {label: 'Oldest wait', value: q => q.depth.queued ? fmt.duration(Math.round(q.oldestWaitingSeconds)) : '—', numeric: true},
          {label: 'Pace', value: q => q.quota ? `${fmt.perSecond(q.quota.perSecond)} (${q.quota.tightest})` : h('span', {class: 'muted'}, 'no quota')},
          {label: 'Quota used', class: 'wrap', value: q => q.quota ? q.quota.windows.map(w => `${w.window}: ${w.used === null ? '—' : fmt.count(w.used)} of ${fmt.count(w.budget)}`).join(' · ') : ''},
          {label: 'State', value: q => q.pausedSeconds > 0 ? badge(`paused ${fmt.duration(Math.round(q.pausedSeconds))}`, 'warn') : badge('running', 'ok')},
          {label: 'Workers', value: q => fmt.count(q.workersOnThisNode), numeric: true},
        ], data, {caption: 'Queues', empty: emptyState('No async queues', h('span', {}, 'A route with ', h('code', {}, 'async: {queue: name}'),
          ' takes requests as jobs; see docs/jobs.md.'))}));
      } catch (err) {
        if (!cancelled) replace(queues, errorBox(err, 'Reading the queues'));
      }
    }

    async function loadJobs() {
      try {
        const {data, headers} = await api(`/jobs${query({state, queue, limit: 50, after: pages[pages.length - 1]})}`);
        if (cancelled) return;
        const next = nextLink(headers);
        replace(list, table([
          {label: 'Job', value: j => h('code', {}, j.jobId)},
          {label: 'Queue', value: j => j.queue},
          {label: 'State', value: j => badge(j.status, TONE[j.status])},
          {label: 'Attempts', value: j => `${j.attempts} of ${j.maxAttempts}`, numeric: true},
          {label: 'Created', value: j => h('span', {title: fmt.time(j.createdAt)}, fmt.ago(j.createdAt))},
          {label: 'Last error', class: 'wrap', value: j => j.error || h('span', {class: 'muted'}, '—')},
          {label: '', value: j => ['dead', 'failed'].includes(j.status) ? [
            h('button', {type: 'button', class: 'link', 'aria-label': `Replay job ${j.jobId}`, onclick: e => { e.stopPropagation(); replay(j); }}, 'Replay'), ' ',
            h('button', {type: 'button', class: 'link danger-text', 'aria-label': `Delete job ${j.jobId}`, onclick: e => { e.stopPropagation(); remove(j); }}, 'Delete')] : null},
        ], data, {caption: 'Jobs', onOpen: open, rowTitle: 'Show the whole job',
          empty: emptyState(`No ${state} jobs`, state === 'dead' ? 'Jobs that fail every attempt land here.' : 'Pick another state or queue.')}),
        data.length ? h('div', {class: 'pager'}, h('span', {class: 'count'}, `Page ${pages.length}`),
          h('button', {type: 'button', class: 'secondary small', disabled: pages.length === 1, onclick: () => { pages.pop(); loadJobs(); }}, 'Previous'),
          h('button', {type: 'button', class: 'secondary small', disabled: !next, onclick: () => {
            pages.push(new URL(next, location.href).searchParams.get('after'));
            loadJobs();
          }}, 'Next')) : null);
      } catch (err) {
        if (!cancelled) replace(list, errorBox(err, 'Listing jobs'));
      }
    }

    async function replay(job) {
      try {
        await api(`/jobs/${job.jobId}/replay`, {method: 'POST'});
        notice(messages, `Job ${job.jobId} is queued again.`);
        refresh();
      } catch (err) {
        notice(messages, `Could not replay ${job.jobId}: ${err.message}`, 'bad');
      }
    }

    async function remove(job) {
      if (!await confirmAction({title: 'Delete this job?', confirm: 'Delete job', body: `Job ${job.jobId} and its request are deleted; its client's polls get 404.`})) return;
      try {
        await api(`/jobs/${job.jobId}`, {method: 'DELETE'});
        notice(messages, `Deleted job ${job.jobId}.`);
        refresh();
      } catch (err) {
        notice(messages, `Could not delete ${job.jobId}: ${err.message}`, 'bad');
      }
    }

    async function open(job) {
      try {
        const {data} = await api(`/jobs/${job.jobId}`);
        showDialog(`Job ${data.jobId}`, h('dl', {class: 'kv', id: 'job-record'}, Object.entries(data).flatMap(([k, v]) => [h('dt', {}, k),
          h('dd', {}, v === null ? h('span', {class: 'muted'}, '—') : typeof v === 'object' ? h('code', {}, JSON.stringify(v)) : String(v))])), {wide: true});
      } catch (err) {
        notice(messages, `Could not read ${job.jobId}: ${err.message}`, 'bad');
      }
    }

    function refresh() {
      loadQueues();
      loadJobs();
    }

    refresh();
    const timer = setInterval(loadQueues, 5000);
    return () => { cancelled = true; clearInterval(timer); };
  },
};
