// The policy builder: turns the editor page's plain form (a JSON textarea and Save) into two tabs
// over ONE document. `doc` is the source of truth; the builder tab renders rows from it and each edit
// rewrites only the keys that row shows; the JSON tab shows it pretty-printed, and typing there
// replaces `doc` as soon as the text parses. Errors come from the server's validator.
(function (root) {
  'use strict';
  const T = root.Toolgate;
  const { model, rules, dom, view, jsonLines, errors: errorView } = T;
  const { h, button } = dom;
  const page = document.querySelector('[data-builder]');
  if (!page) return;

  const form = page.querySelector('#policy-form');
  const textarea = page.querySelector('#policy-json');
  const summaryBox = page.querySelector('#b-summary');
  const config = page.dataset;
  const catalog = JSON.parse(config.catalog || '[]').map((tool, index) => Object.assign({ index }, tool));
  const canWrite = config.canWrite === 'true';
  const ui = { open: new Set(), forcedCustom: new Set(), filter: '', tab: 'builder' };
  let doc = model.newDocument();
  let textError = null; // the JSON tab's text does not parse: {message, line, column}
  let errors = [];
  let dirty = false;
  let validateTimer = null;
  let validateSeq = 0;

  // --- layout: toolbar with tabs, the builder panel, the JSON panel (the form itself) ---
  const tabs = {
    builder: h('button', { type: 'button', role: 'tab', id: 'tab-builder', 'aria-controls': 'panel-builder', class: 'b-tab' }, 'Builder'),
    json: h('button', { type: 'button', role: 'tab', id: 'tab-json', 'aria-controls': 'panel-json', class: 'b-tab' }, 'JSON'),
  };
  const status = h('p', { class: 'b-status small', role: 'status', 'aria-live': 'polite' });
  const recommendButton = button('Recommended policy', { class: 'button', disabled: !canWrite || !config.recommendUrl });
  const saveButton = form.querySelector('button[type="submit"]');
  // The button moves to the toolbar, outside the form: it still submits it.
  if (saveButton) saveButton.setAttribute('form', form.id);
  const toolbar = h(
    'div',
    { class: 'b-toolbar' },
    h('div', { role: 'tablist', 'aria-label': 'Editor', class: 'tabs b-tabs' }, tabs.builder, tabs.json),
    h('div', { class: 'b-toolbar-actions' }, status, recommendButton, saveButton),
  );
  const filterInput = h('input', { type: 'search', id: 'tg-filter', placeholder: 'name, risk or state', autocomplete: 'off' });
  const rowsList = h('ul', { class: 'b-tools', 'aria-label': 'Tools' });
  const settingsSlot = h('div');
  const recommendNote = h('div', { class: 'b-recommend-note', hidden: true });
  const builderPanel = h(
    'div',
    { role: 'tabpanel', id: 'panel-builder', 'aria-labelledby': 'tab-builder', class: 'b-panel' },
    recommendNote,
    settingsSlot,
    h(
      'section',
      { class: 'card b-tools-card', 'aria-labelledby': 'tg-tools-title' },
      h('div', { class: 'b-tools-head' }, h('h2', { id: 'tg-tools-title', text: `Tools (${catalog.length})` }), dom.field('Filter tools', filterInput, 'b-filter')),
      view.legend(),
      catalog.length === 0 ? h('p', { class: 'muted', text: 'No tools synced yet: sync the server’s tool list to build rules per tool. The JSON tab works without a catalog.' }) : null,
      rowsList,
    ),
  );
  const jsonPanel = h('div', { role: 'tabpanel', id: 'panel-json', 'aria-labelledby': 'tab-json', class: 'b-panel' });
  form.before(toolbar);
  toolbar.after(builderPanel);
  form.before(jsonPanel);
  jsonPanel.append(form);
  page.classList.add('b-enhanced');
  const jsonTab = T.jsonTab.setup(textarea, onJsonInput);

  // --- rendering ---
  const context = () => ({ doc, catalog, canWrite, open: ui.open, forcedCustom: ui.forcedCustom });

  function matchesFilter(tool) {
    if (!ui.filter) return true;
    const state = model.toolState(doc, tool.name);
    const risk = tool.risk ? `${tool.risk.category} ${tool.risk.level}` : 'unrated';
    return `${tool.name} ${risk} ${state.replace('_', ' ')}`.toLowerCase().includes(ui.filter);
  }

  function renderBuilder() {
    const focus = dom.saveFocus(builderPanel);
    const problems = model.shapeProblems(doc);
    if (problems.length > 0) {
      settingsSlot.replaceChildren(h('div', { class: 'b-notice' }, `The builder cannot show this document (${problems.join('; ')}). Edit it in the JSON tab.`));
      rowsList.replaceChildren();
      return;
    }
    settingsSlot.replaceChildren(view.settings(context()), ...view.datalists(doc));
    rowsList.replaceChildren(...catalog.filter(matchesFilter).map((tool) => view.toolRow(context(), tool)));
    errorView.placeInBuilder(builderPanel, doc, errors);
    dom.restoreFocus(builderPanel, focus);
  }

  function renderRow(name) {
    const tool = catalog.find((entry) => entry.name === name);
    const current = rowsList.querySelector(`[data-row="${CSS.escape(name)}"]`);
    if (!tool || !current) return renderBuilder();
    const focus = dom.saveFocus(builderPanel);
    current.replaceWith(view.toolRow(context(), tool));
    settingsSlot.querySelector('#tg-counters')?.replaceWith(view.datalists(doc)[0]);
    errorView.placeInBuilder(builderPanel, doc, errors);
    dom.restoreFocus(builderPanel, focus);
  }

  function showErrors(list) {
    errors = list;
    for (const name of errorView.toolsWithDeepErrors(doc, errors)) {
      if (model.toolState(doc, name) === 'custom') ui.open.add(name);
    }
    if (ui.tab === 'builder') renderBuilder();
    jsonTab.showErrors(errorView.withLines(jsonTab.getText(), errors));
    errorView.summary(summaryBox, errors, showError);
  }

  function showError(error) {
    const element = error.line && !error.pointer ? null : errorView.elementFor(builderPanel, model.errorTarget(doc, error.pointer));
    if (ui.tab === 'builder' && element && !textError) {
      const control = element.matches('input, select') ? element : element.querySelector('input, select, button') || element;
      control.focus();
      return;
    }
    selectTab('json');
    const located = errorView.withLines(jsonTab.getText(), [error])[0];
    jsonTab.goTo(located.line, located.column);
  }

  function setStatus(text) {
    status.textContent = text;
  }

  // --- document changes ---
  function docChanged() {
    dirty = true;
    textError = null;
    jsonTab.setText(JSON.stringify(doc, null, 2));
    setStatus('Unsaved changes');
    scheduleValidate();
  }

  function onJsonInput(text) {
    dirty = true;
    setStatus('Unsaved changes');
    try {
      doc = jsonLines.parse(text).value;
      textError = null;
    } catch (error) {
      textError = { message: error.message, line: error.line, column: error.column };
    }
    scheduleValidate();
  }

  function scheduleValidate() {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(validate, 500);
  }

  async function validate() {
    if (!config.validateUrl) return [];
    const seq = ++validateSeq;
    try {
      const answer = await dom.requestJson('POST', config.validateUrl, { text: jsonTab.getText() });
      if (seq !== validateSeq) return errors;
      const list = answer.body && Array.isArray(answer.body.errors) ? answer.body.errors : [];
      showErrors(list);
      return list;
    } catch (_) {
      setStatus('Could not check the policy (network error)');
      return errors;
    }
  }

  // --- tabs ---
  function selectTab(name) {
    if (name === 'builder' && textError) {
      setStatus(`Fix the JSON on line ${textError.line} before switching to the builder: nothing is lost meanwhile.`);
      jsonTab.goTo(textError.line, textError.column);
      validate();
      return;
    }
    ui.tab = name;
    for (const [key, tab] of Object.entries(tabs)) {
      const selected = key === name;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    builderPanel.hidden = name !== 'builder';
    jsonPanel.hidden = name !== 'json';
    if (name === 'builder') renderBuilder();
  }

  for (const [name, tab] of Object.entries(tabs)) {
    tab.addEventListener('click', () => selectTab(name));
    tab.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
      const other = name === 'builder' ? 'json' : 'builder';
      selectTab(other);
      if (ui.tab === other) tabs[other].focus();
    });
  }

  filterInput.addEventListener('input', () => {
    ui.filter = filterInput.value.trim().toLowerCase();
    renderBuilder();
  });

  // --- builder edits (event delegation: controls say what they edit in data-* attributes) ---
  const owner = (key) => (key === 'all' ? { allTools: true } : { tool: key.slice(5) });

  function applyEdit(target) {
    const d = target.dataset;
    const index = Number(d.index);
    switch (d.edit) {
      case 'state':
        ui.forcedCustom.delete(d.tool);
        if (target.value === 'custom') {
          ui.forcedCustom.add(d.tool);
          ui.open.add(d.tool);
        } else ui.open.delete(d.tool);
        model.setToolState(doc, d.tool, target.value);
        return d.tool;
      case 'default':
        model.setDefault(doc, target.value);
        return null;
      case 'reason':
        if (model.toolRule(doc, d.tool) === undefined) model.setToolState(doc, d.tool, 'deny', target.value);
        else model.setReason(doc, d.tool, target.value);
        return undefined;
      case 'action':
        model.setAction(doc, d.tool, target.value);
        return d.tool;
      case 'limit':
        rules.setLimitField(doc, owner(d.owner), index, d.field, target.value);
        return undefined;
      case 'on_deny':
        rules.setOnDeny(doc, d.tool, d.kind, index, target.value);
        return undefined;
      case 'condition':
        rules.setConditionField(doc, d.tool, d.kind, index, Number(d.cindex), d.field, target.value);
        return d.field === 'op' ? d.tool : undefined;
      default:
        return undefined;
    }
  }

  // Typing edits the document at once (no re-render, so focus and caret stay); choices re-render.
  builderPanel.addEventListener('input', (event) => {
    const target = event.target;
    if (!target.dataset.edit || target.matches('select, [type="radio"]')) return;
    applyEdit(target);
    docChanged();
  });
  builderPanel.addEventListener('change', (event) => {
    const target = event.target;
    if (!target.dataset.edit) return;
    if (target.matches('select, [type="radio"]')) {
      const rerender = applyEdit(target);
      docChanged();
      if (rerender === null) renderBuilder();
      else if (rerender !== undefined) renderRow(rerender);
    } else if (target.dataset.edit === 'limit' && target.dataset.field === 'counter') {
      // Only the counter suggestions change. No re-render here: a change fires when the field loses
      // focus, often to a click on a button of the same row, which a re-render would swallow.
      settingsSlot.querySelector('#tg-counters')?.replaceWith(view.datalists(doc)[0]);
    }
  });

  builderPanel.addEventListener('click', (event) => {
    const target = event.target.closest('button[data-do]');
    if (!target) return;
    const d = target.dataset;
    const index = Number(d.index);
    const actions = {
      'toggle-custom': () => (ui.open.has(d.tool) ? ui.open.delete(d.tool) : ui.open.add(d.tool)),
      'add-limit': () => rules.addLimit(doc, owner(d.owner)),
      'remove-limit': () => rules.removeLimit(doc, owner(d.owner), index),
      'add-rule': () => rules.addRule(doc, d.tool, d.kind, firstPath(d.tool)),
      'remove-rule': () => rules.removeRule(doc, d.tool, d.kind, index),
      'add-condition': () => rules.addCondition(doc, d.tool, d.kind, index, firstPath(d.tool)),
      'remove-condition': () => rules.removeCondition(doc, d.tool, d.kind, index, Number(d.cindex)),
    };
    if (!actions[d.do]) return;
    actions[d.do]();
    if (d.do !== 'toggle-custom') docChanged();
    if (d.owner === 'all') renderBuilder();
    else renderRow(d.tool || owner(d.owner).tool);
  });

  function firstPath(name) {
    const tool = catalog.find((entry) => entry.name === name);
    const paths = tool ? rules.schemaPaths(tool.input_schema) : [];
    return paths.length ? paths[0].path : 'args';
  }

  T.builder = {
    page,
    catalog,
    getDoc: () => doc,
    getText: () => jsonTab.getText(),
    hasTextError: () => textError !== null,
    setDoc(next) {
      doc = next;
      ui.open.clear();
      ui.forcedCustom.clear();
      docChanged();
      renderBuilder();
    },
    recommendButton,
    recommendNote,
    saveButton,
    form,
    showErrors,
    validate,
    setStatus,
    markSaved() {
      dirty = false;
    },
    isDirty: () => dirty,
  };

  // --- start: the textarea holds the saved document (or, after a failed no-JS save, the text sent) ---
  try {
    doc = jsonLines.parse(textarea.value).value;
  } catch (error) {
    textError = { message: error.message, line: error.line, column: error.column };
  }
  selectTab(textError ? 'json' : 'builder');
  if (textError || (summaryBox && !summaryBox.hidden)) validate();
})(self);
