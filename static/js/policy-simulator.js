// The simulator panel: tool + JSON arguments → decision, rule and reason for the document in the
// editor (unsaved edits included), computed by the server's policy engine without calling anything.
(function (root) {
  'use strict';
  const T = root.Toolgate;
  const builder = T.builder;
  const section = document.querySelector('#simulator');
  if (!builder || !section) return;
  const { h } = T.dom;
  const form = section.querySelector('form');
  const toolInput = section.querySelector('#sim-tool');
  const argsInput = section.querySelector('#sim-args');
  const result = section.querySelector('#sim-result');
  let argsTouched = false;
  section.hidden = false;

  const EXAMPLE = { string: '', number: 0, integer: 0, boolean: false, array: [], object: {} };

  function example(name) {
    const tool = builder.catalog.find((entry) => entry.name === name);
    const properties = tool && tool.input_schema && tool.input_schema.properties;
    if (!properties || typeof properties !== 'object') return '{}';
    const sample = {};
    for (const [key, property] of Object.entries(properties)) {
      const type = property && typeof property.type === 'string' ? property.type : 'string';
      sample[key] = Object.prototype.hasOwnProperty.call(EXAMPLE, type) ? EXAMPLE[type] : '';
    }
    return JSON.stringify(sample, null, 2);
  }

  argsInput.addEventListener('input', () => {
    argsTouched = true;
  });
  toolInput.addEventListener('change', () => {
    if (!argsTouched || argsInput.value.trim() === '' || argsInput.value.trim() === '{}') argsInput.value = example(toolInput.value.trim());
  });

  const DECISIONS = {
    allowed: 'Allowed',
    denied: 'Refused',
    hidden: 'Hidden (the tool does not exist for the agent)',
    approval_requested: 'Waits for approval',
  };

  function show(rows, kind) {
    result.replaceChildren(h('dl', { class: `b-sim-result b-sim-${kind}` }, rows.map(([term, text]) => [h('dt', { text: term }), h('dd', {}, text)])));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (builder.hasTextError()) {
      show([['Not simulated', 'The JSON tab has a syntax error; fix it first.']], 'error');
      return;
    }
    let args;
    try {
      args = argsInput.value.trim() === '' ? {} : JSON.parse(argsInput.value);
    } catch (error) {
      show([['Arguments', `not valid JSON: ${error.message}`]], 'error');
      argsInput.focus();
      return;
    }
    const payload = { document: builder.getDoc(), tool: toolInput.value.trim(), arguments: args };
    try {
      const answer = await T.dom.requestJson('POST', builder.page.dataset.simulateUrl, payload);
      const body = answer.body || {};
      if (answer.status !== 200) {
        const message = body.error ? body.error.message : `the server answered ${answer.status}`;
        show([['Not simulated', message]], 'error');
      } else if (Array.isArray(body.errors) && body.errors.length) {
        builder.showErrors(body.errors);
        show([['Not simulated', 'the document has problems (listed at the top).']], 'error');
      } else {
        const rows = [['Decision', DECISIONS[body.decision] || body.decision]];
        rows.push(['Rule', body.rule ? h('code', { text: body.rule }) : '(none: nothing refused it)']);
        if (body.reason) rows.push(['Reason', body.reason]);
        for (const limit of body.limits || []) {
          rows.push(['Counts against', `${limit.counter}: at most ${limit.max} per ${limit.window} (${limit.scope})${limit.amount !== 1 ? `, this call counts ${limit.amount}` : ''}`]);
        }
        show(rows, body.decision);
      }
    } catch (_) {
      show([['Not simulated', 'the server could not be reached.']], 'error');
    }
  });
})(self);
