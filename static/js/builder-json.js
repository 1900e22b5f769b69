// The JSON tab: the page's own textarea (the no-JS form's field) with a line-number gutter that marks
// the lines holding errors, and a list of those errors that moves the caret to each.
(function (root) {
  'use strict';
  const { h } = root.Toolgate.dom;

  function setup(textarea, onInput) {
    const gutter = h('div', { class: 'b-gutter', 'aria-hidden': 'true' });
    const frame = h('div', { class: 'b-json-frame' });
    const errorList = h('ol', { class: 'b-json-errors', 'aria-label': 'Problems in the JSON' });
    textarea.parentNode.insertBefore(frame, textarea);
    frame.append(gutter, textarea);
    frame.after(errorList);
    textarea.setAttribute('wrap', 'off');
    textarea.spellcheck = false;
    let errorLines = new Map();

    function renderGutter() {
      const count = textarea.value.split('\n').length;
      const lines = [];
      for (let line = 1; line <= count; line += 1) {
        const message = errorLines.get(line);
        lines.push(h('div', { class: message ? 'b-gutter-line b-gutter-error' : 'b-gutter-line', title: message || undefined, text: String(line) }));
      }
      gutter.replaceChildren(...lines);
      gutter.scrollTop = textarea.scrollTop;
    }

    function goTo(line, column) {
      const lines = textarea.value.split('\n');
      let offset = 0;
      for (let i = 0; i < line - 1 && i < lines.length; i += 1) offset += lines[i].length + 1;
      const lineText = lines[line - 1] || '';
      const start = offset + Math.max(0, Math.min((column || 1) - 1, lineText.length));
      textarea.focus();
      textarea.setSelectionRange(start, offset + lineText.length);
      // Scroll so that the line is visible: line height is fixed by the stylesheet.
      const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
      textarea.scrollTop = Math.max(0, (line - 4) * lineHeight);
    }

    /** `errors`: `[{line, column, message, label}]`. */
    function showErrors(errors) {
      errorLines = new Map();
      for (const error of errors) {
        const previous = errorLines.get(error.line);
        errorLines.set(error.line, previous ? `${previous}; ${error.message}` : error.message);
      }
      errorList.replaceChildren(
        ...errors.map((error) =>
          h(
            'li',
            { class: 'b-json-error' },
            h('button', { type: 'button', class: 'link', dataset: { line: error.line, column: error.column || 1 } }, `Line ${error.line}${error.column ? ', column ' + error.column : ''}`),
            ': ',
            error.message,
            error.label ? h('code', { class: 'small', text: ' ' + error.label }) : null,
          ),
        ),
      );
      textarea.setAttribute('aria-invalid', errors.length ? 'true' : 'false');
      renderGutter();
    }

    errorList.addEventListener('click', (event) => {
      const target = event.target.closest('button[data-line]');
      if (target) goTo(Number(target.dataset.line), Number(target.dataset.column));
    });
    textarea.addEventListener('input', () => {
      renderGutter();
      onInput(textarea.value);
    });
    textarea.addEventListener('scroll', () => {
      gutter.scrollTop = textarea.scrollTop;
    });
    renderGutter();

    return {
      getText: () => textarea.value,
      setText(text) {
        if (textarea.value !== text) textarea.value = text;
        renderGutter();
      },
      showErrors,
      goTo,
      frame,
    };
  }

  root.Toolgate.jsonTab = { setup };
})(self);
