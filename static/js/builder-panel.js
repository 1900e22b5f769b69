// The Custom panel of a tool row (action, limits, require / deny_if rules) and the limits editor it
// shares with `all_tools`. Controls carry `data-edit` / `data-do` plus the indices the controller
// needs, `data-pointer` (where validation errors land) and `data-focus` (to keep focus on re-render).
(function (root) {
  'use strict';
  const { model, rules, dom } = root.Toolgate;
  const { h, field, select, button } = dom;

  const OP_LABELS = {
    eq: 'equals', neq: 'does not equal', in: 'is one of', not_in: 'is not one of', lt: '<', lte: '≤',
    gt: '>', gte: '≥', regex: 'matches regex', contains: 'contains', exists: 'exists',
  };
  const KIND_TEXT = {
    require: ['Require', 'Every rule must hold, or the call is refused with its message.'],
    deny_if: ['Deny if', 'A call matching any rule (all its conditions) is refused with its message.'],
  };

  function ownerKey(owner) {
    return owner.allTools ? 'all' : 'tool:' + owner.tool;
  }

  /** Keys of an entry that the builder keeps but does not show, as a short note. */
  function keptNote(entry, shown) {
    if (!model.isObject(entry)) return null;
    const others = Object.keys(entry).filter((key) => !shown.includes(key));
    if (others.length === 0) return null;
    const text = others.map((key) => `${key}: ${JSON.stringify(entry[key])}`).join(', ');
    return h('p', { class: 'b-kept small', text: `Also kept (edit in JSON): ${text}` });
  }

  function limitRow(owner, limit, index, disabled) {
    const base = rules.ownerPointer(owner) + '/limits/' + index;
    const data = (fieldName) => ({ edit: 'limit', owner: ownerKey(owner), index, field: fieldName });
    const control = (fieldName, element) => {
      element.dataset.pointer = `${base}/${fieldName}`;
      element.dataset.focus = `${ownerKey(owner)}:limit:${index}:${fieldName}`;
      Object.assign(element.dataset, data(fieldName));
      element.disabled = disabled;
      return element;
    };
    if (!model.isObject(limit)) {
      return h('li', { class: 'b-limit', dataset: { pointer: base } }, h('p', { class: 'small', text: 'This limit is not an object: edit it in the JSON tab.' }));
    }
    const text = (value) => (value === undefined ? '' : String(value));
    return h(
      'li',
      { class: 'b-limit', dataset: { pointer: base } },
      field('Counter', control('counter', h('input', { type: 'text', value: text(limit.counter), list: 'tg-counters', autocomplete: 'off' }))),
      field('Max calls', control('max', h('input', { type: 'number', min: 1, step: 1, value: text(limit.max), inputmode: 'numeric' })), 'b-narrow'),
      field('Per window', control('window', h('input', { type: 'text', value: text(limit.window), list: 'tg-windows', autocomplete: 'off' })), 'b-narrow'),
      field('Scope', control('scope', select([['grant', 'each grant'], ['server', 'whole server'], ['account', 'whole account']], limit.scope || 'grant', {})), 'b-narrow'),
      disabled ? null : button('Remove limit', { dataset: { do: 'remove-limit', owner: ownerKey(owner), index } }),
      keptNote(limit, ['counter', 'max', 'window', 'scope']),
    );
  }

  /** The limits of a tool or of `all_tools`. */
  function limitsEditor(doc, owner, disabled) {
    const limits = rules.listOf(doc, owner, 'limits');
    const pointer = rules.ownerPointer(owner) + '/limits';
    return h(
      'div',
      { class: 'b-limits', dataset: { pointer } },
      limits.length === 0 ? h('p', { class: 'muted small', text: 'No limits.' }) : null,
      h('ul', { class: 'b-limit-list' }, limits.map((limit, index) => limitRow(owner, limit, index, disabled))),
      disabled ? null : button('Add limit', { dataset: { do: 'add-limit', owner: ownerKey(owner) } }),
    );
  }

  function conditionRow(name, kind, ruleIndex, condition, conditionIndex, pathsId, disabled) {
    const base = `${model.pointer('tools', name, kind, ruleIndex, 'conditions', conditionIndex)}`;
    if (!model.isObject(condition)) {
      return h('li', { dataset: { pointer: base }, text: 'This condition is not an object: edit it in the JSON tab.' });
    }
    const control = (fieldName, element) => {
      Object.assign(element.dataset, { edit: 'condition', tool: name, kind, index: ruleIndex, cindex: conditionIndex, field: fieldName });
      element.dataset.pointer = `${base}/${fieldName}`;
      element.dataset.focus = `${name}:${kind}:${ruleIndex}:${conditionIndex}:${fieldName}`;
      element.disabled = disabled;
      return element;
    };
    const ops = rules.OPS.map((op) => [op, `${op} (${OP_LABELS[op]})`]);
    const value = model.has(condition, 'value') ? rules.formatValue(condition.op, condition.value) : '';
    return h(
      'li',
      { class: 'b-condition', dataset: { pointer: base } },
      field('Argument', control('path', h('input', { type: 'text', value: condition.path || '', list: pathsId, autocomplete: 'off', spellcheck: 'false' }))),
      field('Operator', control('op', select(ops, condition.op, {})), 'b-narrow'),
      field('Value', control('value', h('input', { type: 'text', value, autocomplete: 'off', spellcheck: 'false', placeholder: condition.op === 'in' || condition.op === 'not_in' ? 'a, b, c' : '' }))),
      disabled ? null : button('Remove condition', { dataset: { do: 'remove-condition', tool: name, kind, index: ruleIndex, cindex: conditionIndex } }),
    );
  }

  function ruleBlock(name, kind, rule, index, pathsId, disabled) {
    const pointer = model.pointer('tools', name, kind, index);
    const [title] = KIND_TEXT[kind];
    if (!model.isObject(rule) || !Array.isArray(rule.conditions)) {
      return h('li', { class: 'b-rule', dataset: { pointer } }, h('p', { class: 'small', text: `${title} rule ${index + 1} cannot be shown here: edit it in the JSON tab.` }));
    }
    const onDeny = h('input', { type: 'text', value: rule.on_deny || '', placeholder: 'Shown to the agent when refused' });
    Object.assign(onDeny.dataset, { edit: 'on_deny', tool: name, kind, index, pointer: pointer + '/on_deny', focus: `${name}:${kind}:${index}:on_deny` });
    onDeny.disabled = disabled;
    return h(
      'li',
      { class: 'b-rule', dataset: { pointer } },
      h('p', { class: 'b-rule-title', text: `${title} rule ${index + 1}${rule.conditions.length > 1 ? ' (all conditions)' : ''}` }),
      h('ul', { class: 'b-condition-list', dataset: { pointer: pointer + '/conditions' } }, rule.conditions.map((condition, ci) => conditionRow(name, kind, index, condition, ci, pathsId, disabled))),
      h(
        'div',
        { class: 'b-actions' },
        disabled ? null : button('Add condition', { dataset: { do: 'add-condition', tool: name, kind, index } }),
        disabled ? null : button('Remove rule', { dataset: { do: 'remove-rule', tool: name, kind, index } }),
      ),
      field('Message when refused', onDeny),
      keptNote(rule, ['conditions', 'on_deny']),
    );
  }

  function rulesEditor(doc, name, kind, pathsId, disabled) {
    const list = rules.listOf(doc, { tool: name }, kind);
    const [title, help] = KIND_TEXT[kind];
    return h(
      'fieldset',
      { class: 'b-rules', dataset: { pointer: model.pointer('tools', name, kind) } },
      h('legend', { text: title }),
      h('p', { class: 'muted small', text: help }),
      h('ul', { class: 'b-rule-list' }, list.map((rule, index) => ruleBlock(name, kind, rule, index, pathsId, disabled))),
      disabled ? null : button(`Add “${title.toLowerCase()}” rule`, { dataset: { do: 'add-rule', tool: name, kind } }),
    );
  }

  /** The Custom panel for a tool: action, limits, require and deny_if. */
  function customPanel(doc, tool, disabled) {
    const name = tool.name;
    const rule = model.toolRule(doc, name);
    const panel = h('div', { class: 'b-custom', id: `custom-${tool.index}`, dataset: { pointer: model.pointer('tools', name) } });
    if (!model.isObject(rule)) {
      panel.append(h('p', { text: 'This rule is not an object, so it can only be edited in the JSON tab.' }));
      return panel;
    }
    const pathsId = `tg-paths-${tool.index}`;
    const paths = rules.schemaPaths(tool.input_schema);
    const action = h('select', { dataset: { edit: 'action', tool: name, pointer: model.pointer('tools', name, 'action'), focus: `${name}:action` }, disabled });
    const current = rule.action || 'allow';
    for (const [value, label] of [['allow', 'Allow'], ['deny', 'Deny'], ['require_approval', 'Require approval']]) {
      action.append(h('option', { value, selected: value === current, text: label }));
    }
    if (!['allow', 'deny', 'require_approval'].includes(current)) action.prepend(h('option', { value: current, selected: true, text: String(current) }));
    const row = h('div', { class: 'b-row' }, field('Action', action, 'b-narrow'));
    if (current === 'deny') {
      const reason = h('input', { type: 'text', value: rule.reason || '', dataset: { edit: 'reason', tool: name, pointer: model.pointer('tools', name, 'reason'), focus: `${name}:reason` }, disabled });
      row.append(field('Reason shown to the agent', reason));
    }
    dom.append(panel, [
      h('datalist', { id: pathsId }, paths.map((entry) => h('option', { value: entry.path, text: entry.type ? `${entry.path} (${entry.type})` : entry.path }))),
      row,
      h('fieldset', { class: 'b-rules' }, h('legend', { text: 'Limits' }), h('p', { class: 'muted small', text: 'Limits naming the same counter share one count (a budget across tools).' }), limitsEditor(doc, { tool: name }, disabled)),
      rulesEditor(doc, name, 'require', pathsId, disabled),
      rulesEditor(doc, name, 'deny_if', pathsId, disabled),
      keptNote(rule, ['action', 'reason', 'limits', 'require', 'deny_if']),
    ]);
    if (paths.length === 0) panel.append(h('p', { class: 'muted small', text: 'This tool’s input schema names no arguments; type a path such as args.name.' }));
    return panel;
  }

  /** "2 limits · 1 require rule": what a custom rule holds, for the collapsed row. */
  function customSummary(rule) {
    if (!model.isObject(rule)) return 'not an object (edit in JSON)';
    const count = (list, one) => (Array.isArray(list) && list.length ? `${list.length} ${one}${list.length > 1 ? 's' : ''}` : null);
    const parts = [
      rule.action === 'deny' ? 'deny' : rule.action === 'require_approval' ? 'approval' : null,
      count(rule.limits, 'limit'),
      count(rule.require, 'require rule'),
      count(rule.deny_if, 'deny-if rule'),
    ].filter(Boolean);
    return parts.length ? parts.join(' · ') : 'no limits or rules yet';
  }

  root.Toolgate.panel = { customPanel, customSummary, limitsEditor, ownerKey };
})(self);
