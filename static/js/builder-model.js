// The policy builder's document model: the policy document (a plain JSON object) is the source of
// truth, and each tool row is a view computed from it. Edits rewrite only the keys the builder shows
// (a tool's entry in `tools` and in `hide`, `default`); everything else is left exactly as it was:
// glob keys, rules for tools not in the catalog, `on_counter_error`, `pin_tools`, `approval`, …
//
// Pure functions, no DOM: loaded as a classic script in the page (window.Toolgate.model) and with
// require() in `node --test static/js/tests/`.
(function (root, factory) {
  'use strict';
  const api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else (root.Toolgate = root.Toolgate || {}).model = api;
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  /** Keys of the document that the builder shows and edits. */
  const SHOWN_KEYS = ['version', 'default', 'hide', 'all_tools', 'tools'];

  function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }

  function has(object, key) {
    return isObject(object) && Object.prototype.hasOwnProperty.call(object, key);
  }

  /** RFC 6901: `~` → `~0`, `/` → `~1`. */
  function pointerSegment(key) {
    return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
  }

  function pointer(...segments) {
    return segments.map((segment) => '/' + pointerSegment(segment)).join('');
  }

  function parsePointer(text) {
    if (text === '') return [];
    return text
      .slice(1)
      .split('/')
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  }

  function newDocument() {
    return { version: '1', default: 'deny', tools: {} };
  }

  /** Parts of the document the builder cannot show (the JSON tab still can). */
  function shapeProblems(doc) {
    if (!isObject(doc)) return ['the document is not a JSON object'];
    const problems = [];
    if (has(doc, 'tools') && !isObject(doc.tools)) problems.push('"tools" is not an object');
    if (has(doc, 'hide') && !Array.isArray(doc.hide)) problems.push('"hide" is not a list');
    if (has(doc, 'all_tools')) {
      if (!isObject(doc.all_tools)) problems.push('"all_tools" is not an object');
      else if (has(doc.all_tools, 'limits') && !Array.isArray(doc.all_tools.limits)) {
        problems.push('"all_tools.limits" is not a list');
      }
    }
    return problems;
  }

  function defaultAction(doc) {
    return doc.default === 'allow' ? 'allow' : 'deny';
  }

  function isGlob(name) {
    return String(name).includes('*');
  }

  function globMatches(pattern, name) {
    const parts = pattern.split('*');
    const first = parts[0];
    const last = parts[parts.length - 1];
    if (parts.length === 1) return pattern === name;
    if (name.length < first.length + last.length) return false;
    if (!name.startsWith(first) || !name.endsWith(last)) return false;
    let between = name.slice(first.length, name.length - last.length);
    for (const part of parts.slice(1, -1)) {
      const at = between.indexOf(part);
      if (at < 0) return false;
      between = between.slice(at + part.length);
    }
    return true;
  }

  /** The glob key of `tools` that governs `name` when it has no exact key (policy crate's order). */
  function governingGlob(doc, name) {
    if (!isObject(doc.tools)) return null;
    let best = null;
    for (const key of Object.keys(doc.tools)) {
      if (!isGlob(key) || !globMatches(key, name)) continue;
      const prefix = key.indexOf('*');
      const literal = key.replace(/\*/g, '').length;
      if (!best || prefix > best.prefix || (prefix === best.prefix && literal > best.literal)) {
        best = { key, prefix, literal };
      }
    }
    return best ? best.key : null;
  }

  function hidingGlob(doc, name) {
    if (!Array.isArray(doc.hide)) return null;
    const found = doc.hide.find((entry) => typeof entry === 'string' && isGlob(entry) && globMatches(entry, name));
    return found === undefined ? null : found;
  }

  function isHidden(doc, name) {
    return Array.isArray(doc.hide) && doc.hide.includes(name);
  }

  function toolRule(doc, name) {
    return has(doc.tools, name) ? doc.tools[name] : undefined;
  }

  /** Which builder state a tool's rule object shows as. */
  function ruleState(rule) {
    if (!isObject(rule)) return 'custom';
    const keys = Object.keys(rule);
    const only = (...allowed) => keys.every((key) => allowed.includes(key));
    if (keys.length === 0 || (only('action') && rule.action === 'allow')) return 'allow';
    if (rule.action === 'deny' && only('action', 'reason')) return 'deny';
    if (rule.action === 'require_approval' && only('action', 'approval')) return 'require_approval';
    return 'custom';
  }

  /** `hide` | `default` (no rule, under default deny) | `allow` | `deny` | `require_approval` | `custom`. */
  function toolState(doc, name) {
    if (isHidden(doc, name)) return 'hide';
    const rule = toolRule(doc, name);
    if (rule === undefined) return defaultAction(doc) === 'deny' ? 'default' : 'allow';
    return ruleState(rule);
  }

  /** The row for one catalog tool: everything the builder shows about it. */
  function rowView(doc, tool) {
    const name = tool.name;
    const rule = toolRule(doc, name);
    const hiddenBy = isHidden(doc, name) ? null : hidingGlob(doc, name);
    const hidden = isHidden(doc, name) || hiddenBy !== null;
    return {
      name,
      state: toolState(doc, name),
      reason: isObject(rule) && typeof rule.reason === 'string' ? rule.reason : '',
      rule,
      pointer: pointer('tools', name),
      hiddenBy,
      // A glob rule matters only when the tool has no exact rule and is not hidden at all.
      governedBy: rule === undefined && !hidden ? governingGlob(doc, name) : null,
      // A rule kept while the tool is hidden has no effect until it is shown again.
      inactiveRule: isHidden(doc, name) && rule !== undefined,
    };
  }

  function removeFromHide(doc, name) {
    if (!Array.isArray(doc.hide) || !doc.hide.includes(name)) return;
    doc.hide = doc.hide.filter((entry) => entry !== name);
    if (doc.hide.length === 0) delete doc.hide;
  }

  function ensureTools(doc) {
    if (!has(doc, 'tools')) doc.tools = {};
    return doc.tools;
  }

  /**
   * Sets a tool's state, rewriting only its own entries. `hide` keeps the tool's rule (inactive
   * while hidden); `custom` keeps an existing rule object as it is.
   */
  function setToolState(doc, name, state, reason) {
    if (state === 'hide') {
      if (!Array.isArray(doc.hide)) doc.hide = [];
      if (!doc.hide.includes(name)) doc.hide.push(name);
      return;
    }
    removeFromHide(doc, name);
    const tools = ensureTools(doc);
    const current = tools[name];
    switch (state) {
      case 'default':
        delete tools[name];
        break;
      case 'allow':
        if (defaultAction(doc) === 'allow') delete tools[name];
        else if (!has(tools, name) || ruleState(current) !== 'allow') tools[name] = {};
        break;
      case 'deny': {
        const text = reason !== undefined ? reason : isObject(current) && current.reason;
        tools[name] = { action: 'deny' };
        if (typeof text === 'string' && text !== '') tools[name].reason = text;
        break;
      }
      case 'require_approval':
        tools[name] = { action: 'require_approval' };
        if (isObject(current) && current.action === 'require_approval' && has(current, 'approval')) {
          tools[name].approval = current.approval;
        }
        break;
      case 'custom':
        if (!isObject(current)) tools[name] = {};
        break;
      default:
        throw new Error('unknown state ' + state);
    }
  }

  /** A deny's reason (on a rule that is a deny: the row's reason field). */
  function setReason(doc, name, reason) {
    const rule = toolRule(doc, name);
    if (!isObject(rule)) return;
    if (reason === '') delete rule.reason;
    else rule.reason = reason;
  }

  /** The Custom panel's action: `allow` (no `action` key), `deny` or `require_approval`. */
  function setAction(doc, name, action) {
    const rule = toolRule(doc, name);
    if (!isObject(rule)) return;
    if (action === 'allow') delete rule.action;
    else rule.action = action;
    if (action !== 'deny') delete rule.reason;
    if (action !== 'require_approval') delete rule.approval;
  }

  function setDefault(doc, value) {
    doc.default = value;
  }

  /** Document keys, tool keys and hide entries the builder keeps without showing them. */
  function keptOutside(doc, catalogNames) {
    const names = new Set(catalogNames);
    const kept = [];
    if (!isObject(doc)) return kept;
    for (const key of Object.keys(doc)) {
      if (!SHOWN_KEYS.includes(key)) kept.push({ pointer: pointer(key), label: key });
    }
    if (isObject(doc.tools)) {
      for (const key of Object.keys(doc.tools)) {
        if (!names.has(key)) {
          const label = isGlob(key) ? `tools pattern "${key}"` : `rule for "${key}" (not in the catalog)`;
          kept.push({ pointer: pointer('tools', key), label });
        }
      }
    }
    if (Array.isArray(doc.hide)) {
      doc.hide.forEach((entry, index) => {
        if (typeof entry === 'string' && names.has(entry)) return;
        const label = isGlob(entry) ? `hide pattern "${entry}"` : `hide entry ${JSON.stringify(entry)}`;
        kept.push({ pointer: pointer('hide', index), label });
      });
    }
    return kept;
  }

  /**
   * The builder field an error's pointer belongs to: `/hide/N` is the row of the tool it names;
   * other pointers are matched against the fields' own pointers, longest prefix first (by the page).
   */
  function errorTarget(doc, errorPointer) {
    const segments = parsePointer(errorPointer);
    if (segments[0] === 'hide' && segments.length >= 2 && Array.isArray(doc.hide)) {
      const entry = doc.hide[Number(segments[1])];
      if (typeof entry === 'string' && !isGlob(entry)) return pointer('tools', entry);
    }
    return errorPointer;
  }

  /**
   * Fills the catalog's tools from a recommended document: `default`, `all_tools` and every catalog
   * tool's entries are replaced; other keys, glob rules and rules for other tools are kept.
   */
  function applyRecommendation(doc, recommended, catalogNames) {
    const copy = (value) => JSON.parse(JSON.stringify(value));
    if (shapeProblems(doc).length > 0) return copy(recommended);
    if (has(recommended, 'default')) doc.default = recommended.default;
    if (has(recommended, 'all_tools')) doc.all_tools = copy(recommended.all_tools);
    else delete doc.all_tools;
    for (const name of catalogNames) {
      removeFromHide(doc, name);
      if (isObject(doc.tools)) delete doc.tools[name];
    }
    const tools = ensureTools(doc);
    for (const [name, rule] of Object.entries(isObject(recommended.tools) ? recommended.tools : {})) {
      tools[name] = copy(rule);
    }
    for (const name of Array.isArray(recommended.hide) ? recommended.hide : []) setToolState(doc, name, 'hide');
    return doc;
  }

  return {
    SHOWN_KEYS,
    applyRecommendation,
    errorTarget,
    isObject,
    has,
    pointer,
    pointerSegment,
    parsePointer,
    newDocument,
    shapeProblems,
    defaultAction,
    isGlob,
    globMatches,
    governingGlob,
    hidingGlob,
    isHidden,
    toolRule,
    ruleState,
    toolState,
    rowView,
    setToolState,
    setReason,
    setAction,
    setDefault,
    keptOutside,
  };
});
