// Where things are in policy JSON text: parses it (strictly: a duplicate key is an error, as in the
// server's parser) and records the line and column of every JSON pointer, so that a validation error
// reported by pointer can be shown at its line in the JSON tab, whatever the text's formatting.
(function (root, factory) {
  'use strict';
  const api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else (root.Toolgate = root.Toolgate || {}).jsonLines = api;
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  class JsonTextError extends Error {
    constructor(message, line, column) {
      super(message);
      this.line = line;
      this.column = column;
    }
  }

  function segment(key) {
    return '/' + String(key).replace(/~/g, '~0').replace(/\//g, '~1');
  }

  /** Parses `text`; returns `{value, locations}` with `locations: Map<pointer, {line, column}>`. */
  function parse(text) {
    let at = 0;
    const locations = new Map();

    const lineStarts = [0];
    for (let i = 0; i < text.length; i += 1) if (text[i] === '\n') lineStarts.push(i + 1);
    const position = (index) => {
      let low = 0;
      let high = lineStarts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (lineStarts[middle] <= index) low = middle;
        else high = middle - 1;
      }
      return { line: low + 1, column: index - lineStarts[low] + 1 };
    };
    const fail = (message, index = at) => {
      const where = position(index);
      throw new JsonTextError(message, where.line, where.column);
    };
    const skipSpace = () => {
      while (at < text.length && ' \t\n\r'.includes(text[at])) at += 1;
    };
    const expect = (char) => {
      if (text[at] !== char) fail(at >= text.length ? 'unexpected end of input' : `expected ${JSON.stringify(char)}`);
      at += 1;
    };

    const parseString = () => {
      const start = at;
      expect('"');
      while (at < text.length && text[at] !== '"') {
        if (text[at] === '\\') at += 1;
        else if (text.charCodeAt(at) < 0x20) fail('control character in a string');
        at += 1;
      }
      if (at >= text.length) fail('unterminated string', start);
      at += 1;
      try {
        return JSON.parse(text.slice(start, at));
      } catch (_) {
        return fail('invalid escape in a string', start);
      }
    };

    const parseLiteral = () => {
      const match = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(at));
      if (!match) fail(at >= text.length ? 'unexpected end of input' : 'expected a value');
      at += match[0].length;
      return JSON.parse(match[0]);
    };

    const parseValue = (pointer) => {
      skipSpace();
      if (!locations.has(pointer)) locations.set(pointer, position(at));
      const char = text[at];
      if (char === '{') return parseObject(pointer);
      if (char === '[') return parseArray(pointer);
      if (char === '"') return parseString();
      return parseLiteral();
    };

    const parseObject = (pointer) => {
      const object = {};
      expect('{');
      skipSpace();
      if (text[at] === '}') {
        at += 1;
        return object;
      }
      for (;;) {
        skipSpace();
        const keyAt = at;
        if (text[at] !== '"') fail('expected a key in double quotes');
        const key = parseString();
        if (Object.prototype.hasOwnProperty.call(object, key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
        const child = pointer + segment(key);
        locations.set(child, position(keyAt));
        skipSpace();
        expect(':');
        Object.defineProperty(object, key, { value: parseValue(child), enumerable: true, writable: true, configurable: true });
        skipSpace();
        if (text[at] === ',') {
          at += 1;
          continue;
        }
        expect('}');
        return object;
      }
    };

    const parseArray = (pointer) => {
      const array = [];
      expect('[');
      skipSpace();
      if (text[at] === ']') {
        at += 1;
        return array;
      }
      for (;;) {
        array.push(parseValue(pointer + segment(array.length)));
        skipSpace();
        if (text[at] === ',') {
          at += 1;
          continue;
        }
        expect(']');
        return array;
      }
    };

    const value = parseValue('');
    skipSpace();
    if (at < text.length) fail('trailing characters after the JSON value');
    return { value, locations };
  }

  /** The location of `pointer`, or of its nearest ancestor present in the text (a missing key). */
  function locate(locations, pointer) {
    let current = pointer;
    for (;;) {
      if (locations.has(current)) return locations.get(current);
      if (current === '') return { line: 1, column: 1 };
      current = current.slice(0, current.lastIndexOf('/'));
    }
  }

  return { parse, locate, JsonTextError };
});
