// Small DOM helpers for the policy builder: element creation without innerHTML (no injection from
// tool names or descriptions), labelled fields, and keeping focus across a re-render.
(function (root) {
  'use strict';

  /** `h('div', {class: 'x', dataset: {a: 1}}, child, 'text', [more])` */
  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'dataset') Object.assign(element.dataset, value);
      else if (name === 'class') element.className = value;
      else if (name === 'text') element.textContent = value;
      else if (name === 'value') element.value = value;
      else if (name === 'checked' || name === 'selected' || name === 'open') element[name] = Boolean(value);
      else element.setAttribute(name, value === true ? '' : String(value));
    }
    append(element, children);
    return element;
  }

  function append(element, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  let nextId = 0;
  function uniqueId(prefix) {
    nextId += 1;
    return `${prefix}-${nextId}`;
  }

  /** A visible label above one control; `control` gets an id if it has none. */
  function field(labelText, control, extraClass) {
    if (!control.id) control.id = uniqueId('tg-field');
    return h('div', { class: 'field b-field' + (extraClass ? ' ' + extraClass : '') }, h('label', { for: control.id, text: labelText }), control);
  }

  function select(options, current, attributes) {
    const element = h('select', attributes);
    let found = false;
    for (const [value, label] of options) {
      const selected = value === current;
      found = found || selected;
      element.append(h('option', { value, selected, text: label }));
    }
    // A value the builder has no option for is shown as it is, not silently replaced.
    if (!found && current !== undefined) element.prepend(h('option', { value: String(current), selected: true, text: String(current) }));
    return element;
  }

  function button(text, attributes) {
    return h('button', Object.assign({ type: 'button', class: 'button small' }, attributes), text);
  }

  /** A key for the focused control (its `data-focus` attribute), and its caret, to restore later. */
  function saveFocus(container) {
    const active = document.activeElement;
    if (!active || !container.contains(active) || !active.dataset.focus) return null;
    const caret = typeof active.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
    return { key: active.dataset.focus, caret };
  }

  function restoreFocus(container, saved) {
    if (!saved) return;
    const target = [...container.querySelectorAll('[data-focus]')].find((element) => element.dataset.focus === saved.key);
    if (!target) return;
    target.focus({ preventScroll: true });
    if (saved.caret && typeof target.setSelectionRange === 'function') {
      try {
        target.setSelectionRange(saved.caret[0], saved.caret[1]);
      } catch (_) {
        // number inputs have no selection
      }
    }
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  }

  /** fetch with the session's CSRF token; answers `{status, body}` (body null when not JSON). */
  async function requestJson(method, url, payload) {
    const response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrfToken() },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    return { status: response.status, body };
  }

  (root.Toolgate = root.Toolgate || {}).dom = { h, append, field, select, button, uniqueId, saveFocus, restoreFocus, requestJson };
})(self);
