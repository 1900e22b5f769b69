// The builder tab's view: document settings (default, all_tools limits, what is kept outside the
// builder) and one row per synced tool. Everything is computed from the document each time: rows are
// views over it, never a second copy of the policy.
(function (root) {
  'use strict';
  const { model, rules, dom, panel } = root.Toolgate;
  const { h, field, select, button } = dom;

  const STATE_HELP = [
    ['Allow', 'the agent may call it'],
    ['Deny', 'listed, but every call is refused with your reason'],
    ['Hide', 'removed from the agent’s tool list'],
    ['Require approval', 'each call waits for a person to approve it'],
    ['Custom', 'limits and rules on the arguments'],
  ];

  function stateOptions(doc) {
    const options = [
      ['allow', 'Allow'],
      ['deny', 'Deny'],
      ['hide', 'Hide'],
      ['require_approval', 'Require approval'],
      ['custom', 'Custom'],
    ];
    if (model.defaultAction(doc) === 'deny') options.unshift(['default', 'Default (deny)']);
    return options;
  }

  function riskBadge(risk) {
    if (!risk) return h('span', { class: 'badge', text: 'Unrated' });
    const badge = h('span', { class: `badge risk-${risk.level}` }, `${capital(risk.category)} · ${capital(risk.level)}`);
    if (!Array.isArray(risk.evidence) || risk.evidence.length === 0) return badge;
    return h('details', { class: 'evidence b-evidence' }, h('summary', {}, badge, h('span', { class: 'visually-hidden', text: ' (why)' })), h('ul', {}, risk.evidence.map((item) => h('li', { text: item }))));
  }

  function capital(text) {
    const value = String(text || '');
    return value.charAt(0).toUpperCase() + value.slice(1);
  }

  function hints(row, doc) {
    const list = [];
    if (row.hiddenBy) list.push(`Hidden by the pattern “${row.hiddenBy}” in hide (edit in JSON).`);
    if (row.governedBy) list.push(`The rule for the pattern “${row.governedBy}” applies (edit in JSON).`);
    if (row.inactiveRule) list.push('Its rule is kept but has no effect while the tool is hidden.');
    if (row.state === 'default') list.push('Refused and not listed to agents: no rule under default deny.');
    if (row.state === 'allow' && model.defaultAction(doc) === 'allow' && row.rule === undefined) list.push('Allowed by default.');
    return list.map((text) => h('p', { class: 'b-hint small', text }));
  }

  /** One tool row. `open`: is its Custom panel expanded. */
  function toolRow(ctx, tool) {
    const { doc } = ctx;
    const row = model.rowView(doc, tool);
    const state = ctx.forcedCustom.has(tool.name) && !['hide'].includes(row.state) && model.isObject(row.rule) ? 'custom' : row.state;
    const stateSelect = select(stateOptions(doc), state, {
      dataset: { edit: 'state', tool: tool.name, pointer: row.pointer, focus: `${tool.name}:state` },
      disabled: !ctx.canWrite,
    });
    const extra = h('div', { class: 'b-extra' });
    if (state === 'deny') {
      const reason = h('input', {
        type: 'text', value: row.reason, placeholder: 'e.g. Deleting files is not allowed for agents.',
        dataset: { edit: 'reason', tool: tool.name, pointer: model.pointer('tools', tool.name, 'reason'), focus: `${tool.name}:reason` },
        disabled: !ctx.canWrite,
      });
      extra.append(field('Reason shown to the agent', reason));
    }
    const open = state === 'custom' && ctx.open.has(tool.name);
    if (state === 'custom') {
      extra.append(
        h('p', { class: 'b-rule-summary small', text: panel.customSummary(row.rule) }),
        button(open ? 'Close rules' : 'Edit rules', {
          'aria-expanded': open ? 'true' : 'false', 'aria-controls': `custom-${tool.index}`,
          dataset: { do: 'toggle-custom', tool: tool.name, focus: `${tool.name}:toggle` },
        }),
      );
    }
    const item = h(
      'li',
      { class: `b-tool b-state-${state}`, dataset: { row: tool.name, pointer: row.pointer } },
      h(
        'div',
        { class: 'b-tool-main' },
        h('code', { class: 'b-tool-name', text: tool.name }),
        tool.description ? h('p', { class: 'b-tool-desc small muted', text: tool.description, title: tool.description }) : null,
        hints(row, doc),
      ),
      h('div', { class: 'b-tool-risk' }, riskBadge(tool.risk)),
      h('div', { class: 'b-tool-state' }, field('State', stateSelect)),
      extra,
    );
    if (open) item.append(panel.customPanel(doc, tool, !ctx.canWrite));
    return item;
  }

  function settings(ctx) {
    const { doc } = ctx;
    const current = model.defaultAction(doc);
    const radio = (value, label, help) => {
      const input = h('input', { type: 'radio', name: 'tg-default', value, checked: current === value, dataset: { edit: 'default', focus: 'default:' + value }, disabled: !ctx.canWrite });
      input.id = 'tg-default-' + value;
      return h('div', { class: 'b-radio' }, input, h('label', { for: input.id }, h('strong', { text: label }), ' ', h('span', { class: 'muted small', text: help })));
    };
    const kept = model.keptOutside(doc, ctx.catalog.map((tool) => tool.name));
    return h(
      'section',
      { class: 'b-settings card', 'aria-labelledby': 'tg-settings-title' },
      h('h2', { id: 'tg-settings-title', text: 'Document' }),
      h(
        'fieldset',
        { class: 'b-default', dataset: { pointer: '/default' } },
        h('legend', { text: 'Tools without a rule' }),
        radio('deny', 'Deny', '(recommended) refused and not listed to agents'),
        radio('allow', 'Allow', 'callable unless a rule says otherwise'),
      ),
      h(
        'fieldset',
        { class: 'b-rules', dataset: { pointer: '/all_tools' } },
        h('legend', { text: 'Limits for all tools together' }),
        h('p', { class: 'muted small', text: 'Every call to any tool counts against these.' }),
        panel.limitsEditor(doc, { allTools: true }, !ctx.canWrite),
      ),
      kept.length === 0
        ? null
        : h(
            'div',
            { class: 'b-kept-list' },
            h('p', { class: 'small', text: 'Kept as written (the builder does not show these; edit them in the JSON tab):' }),
            h('ul', { class: 'small' }, kept.map((item) => h('li', { dataset: { pointer: item.pointer } }, h('code', { text: item.pointer }), ' ', item.label))),
          ),
    );
  }

  function datalists(doc) {
    return [
      h('datalist', { id: 'tg-counters' }, rules.counterNames(doc).map((name) => h('option', { value: name }))),
      h('datalist', { id: 'tg-windows' }, rules.WINDOWS.map((name) => h('option', { value: name }))),
    ];
  }

  function legend() {
    return h('ul', { class: 'b-legend small', 'aria-label': 'States' }, STATE_HELP.map(([term, text]) => h('li', {}, h('strong', { text: term }), ': ', text)));
  }

  root.Toolgate.view = { toolRow, settings, datalists, legend };
})(self);
