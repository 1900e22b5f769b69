// Where validation errors are shown: at the builder field named by the error's JSON pointer (the
// nearest field whose `data-pointer` is a prefix of it), at a line of the JSON text (syntax errors
// carry their line; pointer errors are located in the text as written), and in a summary.
(function (root) {
  'use strict';
  const { model, jsonLines, dom } = root.Toolgate;
  const { h } = dom;

  /** The element for `pointer` in `container`: exact, else the nearest ancestor pointer shown. */
  function elementFor(container, pointer) {
    const byPointer = new Map();
    for (const element of container.querySelectorAll('[data-pointer]')) {
      if (!byPointer.has(element.dataset.pointer)) byPointer.set(element.dataset.pointer, element);
    }
    let current = pointer;
    for (;;) {
      if (byPointer.has(current)) return byPointer.get(current);
      if (current === '') return null;
      current = current.slice(0, current.lastIndexOf('/'));
    }
  }

  function clearBuilder(container) {
    for (const element of container.querySelectorAll('.b-error')) element.remove();
    for (const element of container.querySelectorAll('[aria-invalid="true"]')) {
      element.removeAttribute('aria-invalid');
      element.removeAttribute('aria-describedby');
    }
  }

  /** Shows each error at its field; answers the errors it placed, with their elements. */
  function placeInBuilder(container, doc, errors) {
    clearBuilder(container);
    const placed = new Map();
    for (const error of errors) {
      if (error.line && error.pointer === '') continue;
      const element = elementFor(container, model.errorTarget(doc, error.pointer));
      if (!element) continue;
      const id = dom.uniqueId('tg-error');
      const note = h('p', { class: 'field-error b-error', id, text: error.message });
      if (element.matches('input, select, textarea')) {
        element.setAttribute('aria-invalid', 'true');
        element.setAttribute('aria-describedby', id);
        const field = element.closest('.b-field');
        if (field) field.append(note);
        else element.after(note);
      } else if (element.matches('ul, ol')) {
        element.before(note);
      } else {
        element.append(note);
      }
      placed.set(error, element);
    }
    return placed;
  }

  /** Each error with a line in `text`: syntax errors have one; pointers are looked up. */
  function withLines(text, errors) {
    let locations = null;
    try {
      locations = jsonLines.parse(text).locations;
    } catch (_) {
      locations = null;
    }
    return errors.map((error) => {
      if (error.line) return Object.assign({}, error, { label: '' });
      const where = locations ? jsonLines.locate(locations, error.pointer) : { line: 1, column: 1 };
      return Object.assign({}, error, { line: where.line, column: where.column, label: error.pointer });
    });
  }

  /** Tools whose Custom panel holds an error (so the page can open it). */
  function toolsWithDeepErrors(doc, errors) {
    const names = new Set();
    for (const error of errors) {
      const segments = model.parsePointer(error.pointer || '');
      if (segments[0] === 'tools' && segments.length > 2 && !['reason', 'action'].includes(segments[2])) names.add(segments[1]);
    }
    return names;
  }

  function describe(error) {
    const segments = model.parsePointer(error.pointer || '');
    if (error.line && !error.pointer) return `JSON syntax, line ${error.line}`;
    if (segments[0] === 'tools' && segments.length > 1) return `tool ${segments[1]}`;
    if (segments[0] === 'all_tools') return 'limits for all tools';
    return error.pointer || 'document';
  }

  /** The summary list above the editor; `onShow(error)` moves to where it is. */
  function summary(box, errors, onShow) {
    box.hidden = errors.length === 0;
    if (errors.length === 0) {
      box.replaceChildren();
      return;
    }
    const title = errors.length === 1 ? 'This policy has 1 problem' : `This policy has ${errors.length} problems`;
    box.replaceChildren(
      h('h2', { class: 'b-summary-title', text: title }),
      h(
        'ul',
        {},
        errors.map((error) => {
          const show = h('button', { type: 'button', class: 'link' }, describe(error));
          show.addEventListener('click', () => onShow(error));
          return h('li', {}, show, ': ', error.message);
        }),
      ),
    );
  }

  root.Toolgate.errors = { placeInBuilder, withLines, toolsWithDeepErrors, summary, elementFor };
})(self);
