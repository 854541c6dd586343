// Rate limits: the tiers with their limits (edited here, in effect on every node within a second) and the callers
// refused with 429 most often.
import {h, replace, field} from '../lib/dom.js';
import {api, query} from '../lib/api.js';
import {panel, table, badge, emptyState, errorBox, confirmAction, notice, segmented, spinner} from '../lib/ui.js';
import * as fmt from '../lib/format.js';

const RANGES = [['15m', '15 min'], ['1h', '1 h'], ['24h', '24 h']];

const limitsOf = text => text.split(',').map(s => s.trim()).filter(Boolean);

export default {
  id: 'ratelimits',
  title: 'Rate limits',
  render(main) {
    const messages = h('div', {id: 'limits-messages'});
    const tiers = h('div', {id: 'tiers'}, spinner());
    const callers = h('div', {id: 'limited-callers'}, spinner());
    let range = '1h';
    let cancelled = false;

    const newName = h('input', {name: 'name', required: true, pattern: '[a-z0-9_-]{1,32}', placeholder: 'e.g. gold', title: 'a-z, 0-9, _ and -, up to 32'});
    const newLimits = h('input', {name: 'limits', required: true, placeholder: 'e.g. 50/s, 5000/hour'});
    const add = h('form', {class: 'form-row', id: 'tier-add', onsubmit: async e => {
      e.preventDefault();
      await save(newName.value.trim(), newLimits.value, () => add.reset());
    }}, field('Tier', newName), h('div', {class: 'field wide'}, h('label', {for: 'tier-limits'}, 'Limits'), Object.assign(newLimits, {id: 'tier-limits'})),
    h('button', {class: 'primary', type: 'submit'}, 'Add tier'));

    main.append(
      h('div', {class: 'page-head'}, h('h1', {}, 'Rate limits')),
      h('p', {class: 'page-intro'}, 'Tiers set how many requests a caller may make (routes with tiers: true apply them). Limits are written like 100/s, 1000/min, 50000/hour or 1/day; all of a tier\'s limits must pass. A change reaches every node within a second.'),
      messages,
      panel('Tiers', null, tiers, h('h3', {class: 'subhead'}, 'Add a tier'), add),
      panel('Most limited callers', segmented('Range', RANGES, range, r => { range = r; loadCallers(); }), callers));

    async function save(name, text, done) {
      try {
        const {data} = await api(`/tiers/${encodeURIComponent(name)}`, {method: 'PUT', body: {limits: limitsOf(text)}});
        notice(messages, data.warnings ? `Saved ${name}, but: ${data.warnings.join('; ')}` : `Saved tier ${name}: ${data[name].join(', ')}.`,
          data.warnings ? 'warn' : 'ok');
        done?.();
        loadTiers();
        return true;
      } catch (err) {
        notice(messages, `Could not save ${name}: ${err.message}`, 'bad');
        return false;
      }
    }

    async function loadTiers() {
      try {
        const {data} = await api('/tiers');
        if (cancelled) return;
        replace(tiers, table([
          {label: 'Tier', value: ([name]) => h('strong', {}, name)},
          {label: 'Limits', value: ([name, limits]) => editor(name, limits), class: 'wrap'},
          {label: '', value: ([name]) => name === 'anonymous' ? h('span', {class: 'muted small', title: 'callers without a credential'}, 'built in')
            : h('button', {type: 'button', class: 'link danger-text', 'aria-label': `Delete tier ${name}`, onclick: () => remove(name)}, 'Delete')},
        ], Object.entries(data), {caption: 'Tiers'}));
      } catch (err) {
        if (!cancelled) replace(tiers, errorBox(err, 'Reading the tiers'));
      }
    }

    function editor(name, limits) {
      const input = h('input', {value: limits.join(', '), 'aria-label': `Limits of ${name}`, size: 18});
      const form = h('form', {class: 'form-row small', dataset: {tier: name}, onsubmit: async e => {
        e.preventDefault();
        await save(name, input.value);
      }}, input, h('button', {type: 'submit', class: 'secondary small'}, 'Save'));
      return form;
    }

    async function remove(name) {
      if (!await confirmAction({title: `Delete tier ${name}?`, confirm: 'Delete tier',
        body: 'Only a tier no key or user has can be deleted; otherwise the answer says how many have it.'})) return;
      try {
        await api(`/tiers/${encodeURIComponent(name)}`, {method: 'DELETE'});
        notice(messages, `Deleted tier ${name}.`);
        loadTiers();
      } catch (err) {
        notice(messages, `Could not delete ${name}: ${err.message}`, 'bad');
      }
    }

    async function loadCallers() {
      replace(callers, spinner());
      try {
        const {data} = await api(`/analytics/limited${query({since: range})}`);
        if (cancelled) return;
        replace(callers, table([
          {label: 'Caller', value: c => h('code', {}, c.caller)},
          {label: 'Tier', value: c => c.tier || h('span', {class: 'muted'}, 'anonymous')},
          {label: '429s', value: c => badge(fmt.count(c.rateLimited), 'warn'), numeric: true},
          {label: 'Last refused', value: c => h('span', {title: fmt.time(c.last)}, fmt.ago(c.last))},
        ], data.callers, {caption: 'Most limited callers',
          empty: emptyState(`No caller was refused in the last ${range}`, 'Callers answered 429 show here, most refused first (from the request log).')}));
      } catch (err) {
        if (!cancelled) replace(callers, errorBox(err, 'Reading the limited callers'));
      }
    }

    loadTiers();
    loadCallers();
    return () => { cancelled = true; };
  },
};
