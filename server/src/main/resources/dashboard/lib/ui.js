// Small pieces every page uses: tiles, tables, empty states, errors, confirmations, copying, badges.
import {h, replace} from './dom.js';

export function tile(label, value, {sub, tone, stat} = {}) {
  return h('div', {class: `tile${tone ? ` tone-${tone}` : ''}`, dataset: stat ? {stat} : undefined},
    h('div', {class: 'tile-label'}, label),
    h('div', {class: 'tile-value'}, value),
    sub ? h('div', {class: 'tile-sub'}, sub) : null);
}

/** A status word with a colour that means something: ok (green), warn (amber), bad (red), or neutral. */
export function badge(text, tone = 'neutral') {
  return h('span', {class: `badge badge-${tone}`}, text);
}

export function emptyState(title, hint, ...actions) {
  return h('div', {class: 'empty', role: 'status'}, h('p', {class: 'empty-title'}, title), hint ? h('p', {class: 'empty-hint'}, hint) : null, actions);
}

/** An error as the user should read it: the API's problem detail, and what to do if we know. */
export function errorBox(error, what) {
  return h('div', {class: 'error-box', role: 'alert'},
    h('strong', {}, what ? `${what} failed` : 'Something went wrong'),
    h('p', {}, error?.message || String(error)));
}

/** A notice that replaces the last one in {@code slot}, and goes after a while unless it is an error. */
export function notice(slot, message, tone = 'ok') {
  const el = h('div', {class: `notice notice-${tone}`, role: tone === 'bad' ? 'alert' : 'status'}, message);
  replace(slot, el);
  if (tone !== 'bad') setTimeout(() => el.remove(), 8000);
  return el;
}

/**
 * A table. columns: [{label, value: row => node|string, class?, numeric?}]. With onOpen, each row opens on click
 * and on Enter (rows are focusable); empty is shown when there are no rows.
 */
export function table(columns, rows, {onOpen, empty, caption, rowTitle} = {}) {
  if (!rows.length && empty) return empty;
  return h('div', {class: 'table-wrap'},
    h('table', {},
      caption ? h('caption', {class: 'visually-hidden'}, caption) : null,
      h('thead', {}, h('tr', {}, columns.map(c => h('th', {scope: 'col', class: c.numeric ? 'num' : c.class}, c.label)))),
      h('tbody', {}, rows.map(row => {
        const tr = h('tr', onOpen ? {tabindex: 0, class: 'openable', title: rowTitle || 'Open', onclick: () => onOpen(row),
          onkeydown: e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onOpen(row); } }} : {},
          columns.map(c => h('td', {class: c.numeric ? 'num' : c.class}, c.value(row))));
        return tr;
      }))));
}

/** Asks before something that cannot be undone; resolves true only for the confirm button. */
export function confirmAction({title, body, confirm = 'Confirm', danger = true}) {
  return new Promise(resolve => {
    const dialog = h('dialog', {class: 'dialog', 'aria-labelledby': 'confirm-title'},
      h('form', {method: 'dialog'},
        h('h2', {id: 'confirm-title'}, title),
        typeof body === 'string' ? h('p', {}, body) : body,
        h('div', {class: 'actions'},
          h('button', {value: 'cancel', class: 'secondary', autofocus: true}, 'Cancel'),
          h('button', {value: 'confirm', class: danger ? 'danger' : 'primary'}, confirm))));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A dialog showing {@code content}, closed by its button or Escape. */
export function showDialog(title, content, {wide} = {}) {
  const dialog = h('dialog', {class: `dialog${wide ? ' wide' : ''}`, 'aria-labelledby': 'dialog-title'},
    h('div', {class: 'dialog-head'}, h('h2', {id: 'dialog-title'}, title),
      h('form', {method: 'dialog'}, h('button', {class: 'secondary', 'aria-label': 'Close', value: 'close'}, 'Close'))),
    content);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

export function copyButton(text, label = 'Copy') {
  const button = h('button', {type: 'button', class: 'secondary', onclick: async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      // without clipboard access (plain HTTP on another host): select the text for Ctrl-C
      const input = button.parentElement?.querySelector('input');
      input?.select();
      button.textContent = 'Press Ctrl-C';
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  }}, label);
  return button;
}

/** A row of toggle buttons, one pressed; onChange(value). */
export function segmented(label, options, chosen, onChange) {
  const group = h('div', {class: 'segmented', role: 'group', 'aria-label': label});
  const buttons = options.map(([value, text]) => h('button', {type: 'button', 'aria-pressed': String(value === chosen), dataset: {value},
    onclick: () => {
      buttons.forEach(b => b.setAttribute('aria-pressed', String(b === buttons.find(x => x.dataset.value === value))));
      onChange(value);
    }}, text));
  group.append(...buttons);
  return group;
}

/** A section with a heading, optional tools at its right. */
export function panel(title, tools, ...content) {
  return h('section', {class: 'panel', 'aria-label': title},
    h('div', {class: 'panel-head'}, h('h2', {}, title), tools ? h('div', {class: 'panel-tools'}, tools) : null),
    content);
}

export function spinner(text = 'Loading…') {
  return h('p', {class: 'loading', role: 'status'}, text);
}
