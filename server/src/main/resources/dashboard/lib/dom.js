// Building elements without HTML strings: text always goes in as text, so nothing an API returns can become markup.

/**
 * h('button', {class: 'primary', onclick: fn, 'aria-label': 'Close'}, 'Close') → an element.
 * Props: class, text, on<event> handlers, dataset (an object), value/checked/disabled/hidden as properties,
 * anything else as an attribute (skipped when null or false). Children: strings, numbers, nodes, arrays, null.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'style') setStyle(el, value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'selected') el.selected = el.defaultSelected = true; // what a form's reset returns to
    else if (['value', 'checked', 'disabled', 'hidden', 'required'].includes(name)) el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Styles through the CSSOM: the page's Content-Security-Policy refuses style attributes. 'width:10%;color:red' or an object. */
function setStyle(el, value) {
  if (typeof value === 'object') {
    Object.assign(el.style, value);
    return;
  }
  for (const rule of String(value).split(';')) {
    const at = rule.indexOf(':');
    if (at > 0) el.style.setProperty(rule.slice(0, at).trim(), rule.slice(at + 1).trim());
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces everything inside {@code el} with {@code children}. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A select of options ([value, label] pairs or plain values), with {@code selected} chosen. */
export function select(props, options, selected) {
  return h('select', props, options.map(o => {
    const [value, label] = Array.isArray(o) ? o : [o, o];
    return h('option', {value, selected: String(value) === String(selected ?? '')}, label);
  }));
}

/** A labelled form field: the label names the control for screen readers and clicks. */
let fieldIds = 0;
export function field(label, control, hint) {
  const id = control.id || `f${++fieldIds}`;
  control.id = id;
  const hintEl = hint ? h('small', {class: 'hint', id: `${id}-hint`}, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', {class: 'field'}, h('label', {for: id}, label), control, hintEl);
}
