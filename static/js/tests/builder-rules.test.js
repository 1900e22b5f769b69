// node --test static/js/tests/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const rules = require('../builder-rules.js');

test('limits: add, edit one field, keep the others, remove', () => {
  const doc = { version: '1', default: 'deny', tools: { pay: { limits: [{ counter: 'money', window: 'day', max: 5, increment_from: 'args.amount' }] } } };
  rules.addLimit(doc, { tool: 'pay' });
  assert.deepEqual(doc.tools.pay.limits[1], { counter: 'pay_rate', window: 'minute', max: 30, scope: 'grant' });
  rules.setLimitField(doc, { tool: 'pay' }, 0, 'max', '10');
  rules.setLimitField(doc, { tool: 'pay' }, 0, 'window', '3600');
  assert.deepEqual(doc.tools.pay.limits[0], { counter: 'money', window: 3600, max: 10, increment_from: 'args.amount' });
  rules.setLimitField(doc, { tool: 'pay' }, 0, 'max', 'ten');
  assert.equal(doc.tools.pay.limits[0].max, 'ten', 'bad input is kept for the validator to name');
  rules.removeLimit(doc, { tool: 'pay' }, 1);
  rules.removeLimit(doc, { tool: 'pay' }, 0);
  assert.deepEqual(doc.tools.pay, {}, 'an emptied list is removed');
});

test('all_tools limits and counter names', () => {
  const doc = { version: '1', default: 'deny', tools: { a: { limits: [{ counter: 'shared' }] }, b: 3 } };
  rules.addLimit(doc, { allTools: true });
  assert.deepEqual(doc.all_tools, { limits: [{ counter: 'all_calls', window: 'minute', max: 120, scope: 'grant' }] });
  rules.addLimit(doc, { allTools: true });
  assert.equal(doc.all_tools.limits[1].counter, 'all_calls_2', 'a fresh counter name');
  assert.deepEqual(rules.counterNames(doc), ['all_calls', 'all_calls_2', 'shared']);
  rules.removeLimit(doc, { allTools: true }, 0);
  rules.removeLimit(doc, { allTools: true }, 0);
  assert.equal('all_tools' in doc, false);
  assert.equal(rules.ownerPointer({ tool: 'a/b' }), '/tools/a~1b');
});

test('conditions: add, edit, op change re-reads the value, last one removes the rule', () => {
  const doc = { version: '1', default: 'deny', tools: {} };
  rules.addRule(doc, 'sh', 'deny_if', 'args.command');
  rules.setConditionField(doc, 'sh', 'deny_if', 0, 0, 'op', 'regex');
  rules.setConditionField(doc, 'sh', 'deny_if', 0, 0, 'value', '[;&|`]');
  rules.setOnDeny(doc, 'sh', 'deny_if', 0, 'No metacharacters.');
  assert.deepEqual(doc.tools.sh.deny_if, [
    { conditions: [{ path: 'args.command', op: 'regex', value: '[;&|`]' }], on_deny: 'No metacharacters.' },
  ]);
  rules.addCondition(doc, 'sh', 'deny_if', 0, 'args.cwd');
  rules.setConditionField(doc, 'sh', 'deny_if', 0, 1, 'value', '5');
  assert.equal(doc.tools.sh.deny_if[0].conditions[1].value, 5);
  rules.setConditionField(doc, 'sh', 'deny_if', 0, 1, 'op', 'in');
  assert.deepEqual(doc.tools.sh.deny_if[0].conditions[1].value, [5]);
  rules.setConditionField(doc, 'sh', 'deny_if', 0, 1, 'op', 'exists');
  assert.equal(doc.tools.sh.deny_if[0].conditions[1].value, true);
  rules.removeCondition(doc, 'sh', 'deny_if', 0, 1);
  rules.removeCondition(doc, 'sh', 'deny_if', 0, 0);
  assert.deepEqual(doc.tools.sh, {});
});

test('values: parsed by op, and formatting round-trips', () => {
  assert.equal(rules.parseValue('eq', 'abc'), 'abc');
  assert.equal(rules.parseValue('eq', '12'), 12);
  assert.equal(rules.parseValue('eq', '"12"'), '12');
  assert.equal(rules.parseValue('exists', 'false'), false);
  assert.equal(rules.parseValue('regex', '12'), '12');
  assert.deepEqual(rules.parseValue('in', 'a, b, 3'), ['a', 'b', 3]);
  assert.deepEqual(rules.parseValue('not_in', '["a,b"]'), ['a,b']);
  assert.deepEqual(rules.parseValue('in', ''), []);
  const cases = [
    ['eq', 'abc'], ['eq', '12'], ['eq', 12], ['eq', ''], ['eq', ' padded '], ['eq', null], ['eq', { a: 1 }],
    ['neq', true], ['lt', 5.5], ['regex', '^(ls|pwd)$'], ['contains', '[x'], ['exists', true],
    ['in', ['a', 'b']], ['in', ['1', 2]], ['in', ['a,b', 'c']], ['in', []], ['in', [' x']], ['not_in', [null]], ['in', ['[x']],
  ];
  for (const [op, value] of cases) {
    assert.deepEqual(rules.parseValue(op, rules.formatValue(op, value)), value, `${op} ${JSON.stringify(value)}`);
  }
});

test('schema paths: properties and one nested level', () => {
  const schema = {
    type: 'object',
    properties: {
      command: { type: 'string' },
      'odd key': { type: 'string' },
      options: { type: 'object', properties: { cwd: { type: 'string' }, deep: { type: 'object', properties: { x: {} } } } },
    },
  };
  assert.deepEqual(rules.schemaPaths(schema).map((entry) => entry.path), [
    'args.command',
    'args["odd key"]',
    'args.options',
    'args.options.cwd',
    'args.options.deep',
  ]);
  assert.deepEqual(rules.schemaPaths(null), []);
});
