// node --test static/js/tests/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { parse, locate, JsonTextError } = require('../policy-json-lines.js');

const DOC = {
  version: '1',
  default: 'deny',
  hide: ['a', 'b/c'],
  tools: { run_shell: { require: [{ conditions: [{ path: 'args.command', op: 'regex', value: '^ls' }] }] } },
};

test('parses like JSON.parse', () => {
  const text = JSON.stringify(DOC, null, 2);
  assert.deepEqual(parse(text).value, DOC);
  assert.deepEqual(parse('[1, -2.5e3, true, null, "\\u00e9\\n"]').value, [1, -2500, true, null, 'é\n']);
  assert.deepEqual(parse('{"__proto__": 1}').value, JSON.parse('{"__proto__": 1}'));
});

test('every pointer has the line it starts on in pretty text', () => {
  const text = JSON.stringify(DOC, null, 2);
  const lines = text.split('\n');
  const { locations } = parse(text);
  const lineOf = (pointer) => locate(locations, pointer).line;
  assert.match(lines[lineOf('/default') - 1], /"default": "deny"/);
  assert.match(lines[lineOf('/hide/1') - 1], /"b\/c"/);
  const valuePointer = '/tools/run_shell/require/0/conditions/0/value';
  assert.match(lines[lineOf(valuePointer) - 1], /"value": "\^ls"/);
  // a missing key: the nearest ancestor's line
  assert.equal(lineOf('/tools/run_shell/require/0/on_deny'), lineOf('/tools/run_shell/require/0'));
  assert.equal(lineOf('/tools/run_shell/action'), lineOf('/tools/run_shell'));
});

test('hand-formatted text: lines and columns of keys', () => {
  const text = '{"version": "1",\n   "tools": {"a~b": {},\n  "x/y": []}}';
  const { locations } = parse(text);
  assert.deepEqual(locate(locations, '/tools/a~0b'), { line: 2, column: 14 });
  assert.deepEqual(locate(locations, '/tools/x~1y'), { line: 3, column: 3 });
});

test('syntax errors and duplicate keys have a line and column', () => {
  const cases = [
    ['{\n  "a": 1,\n}', 3, 1],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3],
    ['{\n  "tools": {},\n  "tools": {}\n}', 3, 3],
    ['{"a": tru}', 1, 7],
    ['{"a": "x', 1, 7],
    ['{} x', 1, 4],
    ['', 1, 1],
  ];
  for (const [text, line, column] of cases) {
    assert.throws(() => parse(text), (error) => {
      assert.ok(error instanceof JsonTextError, text);
      assert.deepEqual([error.line, error.column], [line, column], `${JSON.stringify(text)}: ${error.message}`);
      return true;
    });
  }
  assert.throws(() => parse('{"tools": {}, "tools": 1}'), /duplicate key "tools"/);
});
