// Saving (API PUT: every save is a new version; 422 answers carry the validator's pointers) and the
// "Recommended policy" button (a starting point from the tools' risk, computed by the server).
(function (root) {
  'use strict';
  const T = root.Toolgate;
  const builder = T.builder;
  if (!builder) return;
  const { dom, model } = T;
  const { h } = dom;
  const config = builder.page.dataset;

  function fieldErrors(body) {
    const fields = body && body.error && Array.isArray(body.error.fields) ? body.error.fields : [];
    return fields.map((field) => ({ pointer: field.path || '', message: field.message || 'invalid' }));
  }

  async function save(event) {
    event.preventDefault();
    if (builder.hasTextError()) {
      builder.setStatus('Not saved: the JSON does not parse.');
      await builder.validate();
      return;
    }
    builder.saveButton.disabled = true;
    builder.setStatus('Saving…');
    try {
      const answer = await dom.requestJson('PUT', config.saveUrl, { document: builder.getDoc() });
      if (answer.status === 200 && answer.body) {
        builder.markSaved();
        builder.showErrors([]);
        const version = answer.body.version;
        builder.setStatus(`Saved as version ${version}.`);
        for (const element of document.querySelectorAll('[data-policy-version]')) element.textContent = String(version);
      } else if (answer.status === 422) {
        const errors = fieldErrors(answer.body);
        builder.showErrors(errors);
        builder.setStatus(`Not saved: ${errors.length === 1 ? '1 problem' : errors.length + ' problems'} to fix.`);
      } else {
        const message = answer.body && answer.body.error ? answer.body.error.message : `the server answered ${answer.status}`;
        builder.setStatus(`Not saved: ${message}.`);
      }
    } catch (_) {
      builder.setStatus('Not saved: the server could not be reached. Your edits are still here.');
    } finally {
      builder.saveButton.disabled = false;
    }
  }

  function legendList(legend) {
    return h(
      'ul',
      { class: 'small' },
      legend.map((item) => h('li', {}, h('strong', { text: item.category }), ` (${item.tools} tool${item.tools === 1 ? '' : 's'}): ${item.treatment}`)),
    );
  }

  async function recommend() {
    if (builder.hasTextError()) {
      builder.setStatus('Fix the JSON syntax error first: the recommendation would replace your text.');
      return;
    }
    const doc = builder.getDoc();
    const hasRules = model.isObject(doc) && model.isObject(doc.tools) && Object.keys(doc.tools).length > 0;
    if (hasRules && !window.confirm('Replace the rules of every synced tool (and the default and all-tools limits) with the recommended starting point? Other parts of the document are kept; nothing is saved until you press Save.')) {
      return;
    }
    builder.setStatus('Loading the recommended policy…');
    try {
      const answer = await dom.requestJson('GET', config.recommendUrl);
      if (answer.status !== 200 || !answer.body || !answer.body.document) {
        builder.setStatus('The recommended policy is not available.');
        return;
      }
      const names = builder.catalog.map((tool) => tool.name);
      builder.setDoc(model.applyRecommendation(doc, answer.body.document, names));
      const note = builder.recommendNote;
      note.replaceChildren(
        h('p', {}, h('strong', { text: 'Recommended policy applied' }), ' (not saved yet). What it chose, from each tool’s risk:'),
        legendList(answer.body.legend || []),
        h('p', { class: 'small muted', text: answer.body.summary || '' }),
      );
      note.hidden = false;
      builder.setStatus('Recommended policy applied: review it, then Save.');
    } catch (_) {
      builder.setStatus('The recommended policy could not be loaded (network error).');
    }
  }

  builder.form.addEventListener('submit', save);
  builder.recommendButton.addEventListener('click', recommend);
  window.addEventListener('beforeunload', (event) => {
    if (!builder.isDirty()) return;
    event.preventDefault();
    event.returnValue = '';
  });
})(self);
