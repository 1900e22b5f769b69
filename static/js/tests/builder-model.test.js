// node --test static/js/tests/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const model = require('../builder-model.js');

const clone = (value) => JSON.parse(JSON.stringify(value));

// A document with everything the builder does not show: it must survive every row edit.
const RICH = {
  version: '1',
  default: 'deny',
  on_counter_error: 'open',
  pin_tools: true,
  hide: ['debug_*', 'delete_account'],
  all_tools: { limits: [{ counter: 'all_calls', window: 'minute', max: 120, scope: 'grant' }] },
  tools: {
    'fs_*': { limits: [{ counter: 'fs', window: 60, max: 5 }] },
    not_in_catalog: { action: 'deny', reason: 'gone' },
    kill_process: { action: 'require_approval', approval: { timeout: '10m', wait: '5s' } },
    pay: { limits: [{ counter: 'money', window: 'day', max: 1000, increment_from: 'args.amount', on_counter_error: 'closed' }] },
  },
};

test('states shown for each kind of entry', () => {
  const doc = clone(RICH);
  assert.equal(model.toolState(doc, 'delete_account'), 'hide');
  assert.equal(model.toolState(doc, 'kill_process'), 'require_approval');
  assert.equal(model.toolState(doc, 'pay'), 'custom');
  assert.equal(model.toolState(doc, 'no_rule'), 'default');
  doc.tools.empty = {};
  doc.tools.explicit = { action: 'allow' };
  doc.tools.denied = { action: 'deny', reason: 'no' };
  doc.tools.odd = 5;
  assert.equal(model.toolState(doc, 'empty'), 'allow');
  assert.equal(model.toolState(doc, 'explicit'), 'allow');
  assert.equal(model.toolState(doc, 'denied'), 'deny');
  assert.equal(model.toolState(doc, 'odd'), 'custom');
  doc.default = 'allow';
  assert.equal(model.toolState(doc, 'no_rule'), 'allow');
});

test('state mapping writes the documented shapes', () => {
  const doc = model.newDocument();
  model.setToolState(doc, 'read_file', 'allow');
  model.setToolState(doc, 'rm', 'deny', 'Deleting files is not allowed.');
  model.setToolState(doc, 'debug', 'hide');
  model.setToolState(doc, 'kill', 'require_approval');
  model.setToolState(doc, 'shell', 'custom');
  assert.deepEqual(doc, {
    version: '1',
    default: 'deny',
    tools: {
      read_file: {},
      rm: { action: 'deny', reason: 'Deleting files is not allowed.' },
      kill: { action: 'require_approval' },
      shell: {},
    },
    hide: ['debug'],
  });
  model.setToolState(doc, 'read_file', 'default');
  model.setToolState(doc, 'debug', 'allow');
  assert.equal(model.has(doc.tools, 'read_file'), false);
  assert.equal(model.has(doc, 'hide'), false, 'an emptied hide list is removed');
  assert.deepEqual(doc.tools.debug, {});
});

test('allow under default allow is no entry', () => {
  const doc = { version: '1', default: 'allow', tools: { rm: { action: 'deny' } } };
  model.setToolState(doc, 'rm', 'allow');
  assert.deepEqual(doc.tools, {});
});

test('row edits keep everything the builder does not show', () => {
  const doc = clone(RICH);
  model.setToolState(doc, 'run_shell', 'deny', 'no shells');
  model.setToolState(doc, 'kill_process', 'require_approval');
  model.setToolState(doc, 'read', 'hide');
  model.setToolState(doc, 'read', 'allow');
  model.setDefault(doc, 'allow');
  model.setDefault(doc, 'deny');
  const expected = clone(RICH);
  expected.tools.run_shell = { action: 'deny', reason: 'no shells' };
  expected.tools.read = {};
  assert.deepEqual(doc, expected);
  assert.deepEqual(Object.keys(doc), Object.keys(RICH), 'key order kept');
});

test('hide keeps the rule; a re-selected state replaces it', () => {
  const doc = clone(RICH);
  model.setToolState(doc, 'pay', 'hide');
  assert.deepEqual(doc.tools.pay, RICH.tools.pay);
  assert.equal(model.rowView(doc, { name: 'pay' }).inactiveRule, true);
  model.setToolState(doc, 'pay', 'custom');
  assert.deepEqual(doc.tools.pay, RICH.tools.pay, 'custom keeps an existing rule');
  assert.deepEqual(doc.hide, ['debug_*', 'delete_account']);
});

test('deny keeps its reason when re-selected and approval keeps its options', () => {
  const doc = { version: '1', default: 'deny', tools: { rm: { action: 'deny', reason: 'r' } } };
  model.setToolState(doc, 'rm', 'deny');
  assert.deepEqual(doc.tools.rm, { action: 'deny', reason: 'r' });
  model.setReason(doc, 'rm', '');
  assert.deepEqual(doc.tools.rm, { action: 'deny' });
  doc.tools.k = { action: 'require_approval', approval: { timeout: '1h' } };
  model.setToolState(doc, 'k', 'require_approval');
  assert.deepEqual(doc.tools.k.approval, { timeout: '1h' });
});

test('custom action drops keys that only belong to another action', () => {
  const doc = { version: '1', default: 'deny', tools: { t: { action: 'deny', reason: 'x', limits: [] } } };
  model.setAction(doc, 't', 'require_approval');
  assert.deepEqual(doc.tools.t, { action: 'require_approval', limits: [] });
  model.setAction(doc, 't', 'allow');
  assert.deepEqual(doc.tools.t, { limits: [] });
});

test('globs: hints for the rows they cover', () => {
  const doc = clone(RICH);
  doc.tools['f*'] = {};
  const row = model.rowView(doc, { name: 'fs_read' });
  assert.equal(row.governedBy, 'fs_*', 'the longer literal prefix wins');
  assert.equal(model.rowView(doc, { name: 'debug_dump' }).hiddenBy, 'debug_*');
  doc.hide.push('fs_secret');
  assert.equal(model.rowView(doc, { name: 'fs_secret' }).governedBy, null, 'hidden: no rule applies');
  assert.equal(model.globMatches('a*b*c', 'aXbYc'), true);
  assert.equal(model.globMatches('a*b*c', 'ac'), false);
  assert.equal(model.globMatches('*', ''), true);
});

test('kept outside the builder: listed with pointers', () => {
  const kept = model.keptOutside(RICH, ['delete_account', 'kill_process', 'pay']);
  assert.deepEqual(
    kept.map((item) => item.pointer),
    ['/on_counter_error', '/pin_tools', '/tools/fs_*', '/tools/not_in_catalog', '/hide/0'],
  );
});

test('pointers escape and map hide entries to rows', () => {
  assert.equal(model.pointer('tools', 'a/b~c'), '/tools/a~1b~0c');
  assert.deepEqual(model.parsePointer('/tools/a~1b~0c'), ['tools', 'a/b~c']);
  assert.equal(model.errorTarget(RICH, '/hide/1'), '/tools/delete_account');
  assert.equal(model.errorTarget(RICH, '/hide/0'), '/hide/0');
});

test('shape problems stop the builder, not the JSON tab', () => {
  assert.deepEqual(model.shapeProblems([]), ['the document is not a JSON object']);
  assert.deepEqual(model.shapeProblems({ tools: [], hide: {} }), ['"tools" is not an object', '"hide" is not a list']);
  assert.deepEqual(model.shapeProblems(RICH), []);
});

test('the recommendation replaces catalog tools only', () => {
  const doc = clone(RICH);
  const recommended = {
    version: '1',
    default: 'deny',
    all_tools: { limits: [{ counter: 'all_calls', window: 'minute', max: 120, scope: 'grant' }] },
    tools: { pay: { action: 'require_approval' }, read: {} },
  };
  const result = model.applyRecommendation(doc, recommended, ['pay', 'read', 'delete_account', 'kill_process']);
  assert.equal(result, doc);
  assert.deepEqual(doc.hide, ['debug_*'], 'catalog names leave hide; patterns stay');
  assert.deepEqual(doc.tools, {
    'fs_*': RICH.tools['fs_*'],
    not_in_catalog: RICH.tools.not_in_catalog,
    pay: { action: 'require_approval' },
    read: {},
  });
  assert.equal(doc.pin_tools, true);
  assert.equal(doc.on_counter_error, 'open');
  assert.deepEqual(model.applyRecommendation([], recommended, []), recommended, 'an unshowable document is replaced');
});
