// The Custom panel's model: a tool's (or all_tools') `limits`, and a tool's `require` / `deny_if`
// rules. Each edit rewrites one field of one entry; other keys of that entry (`increment_from`,
// `on_counter_error`, …) are kept. Pure functions over the document, no DOM.
(function (root, factory) {
  'use strict';
  const model = typeof module === 'object' && module.exports ? require('./builder-model.js') : root.Toolgate.model;
  const api = factory(model);
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.Toolgate.rules = api;
})(typeof self !== 'undefined' ? self : this, function (model) {
  'use strict';

  const { isObject, has } = model;
  const OPS = ['eq', 'neq', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'regex', 'contains', 'exists'];
  const WINDOWS = ['second', 'minute', 'hour', 'day'];
  const SCOPES = ['grant', 'server', 'account'];
  const RULE_KINDS = ['require', 'deny_if'];

  /** An owner of limits: `{tool: name}` or `{allTools: true}`. Its object, created when asked. */
  function ownerObject(doc, owner, create) {
    if (owner.allTools) {
      if (!has(doc, 'all_tools') && create) doc.all_tools = {};
      return isObject(doc.all_tools) ? doc.all_tools : null;
    }
    if (!has(doc, 'tools') && create) doc.tools = {};
    if (!isObject(doc.tools)) return null;
    if (!has(doc.tools, owner.tool) && create) doc.tools[owner.tool] = {};
    return isObject(doc.tools[owner.tool]) ? doc.tools[owner.tool] : null;
  }

  function ownerPointer(owner) {
    return owner.allTools ? model.pointer('all_tools') : model.pointer('tools', owner.tool);
  }

  /** The list under `key` (`limits`, `require`, `deny_if`), or [] when absent or not a list. */
  function listOf(doc, owner, key) {
    const object = ownerObject(doc, owner, false);
    return object && Array.isArray(object[key]) ? object[key] : [];
  }

  function pushTo(doc, owner, key, entry) {
    const object = ownerObject(doc, owner, true);
    if (!object) return;
    if (!Array.isArray(object[key])) object[key] = [];
    object[key].push(entry);
  }

  function removeFrom(doc, owner, key, index) {
    const object = ownerObject(doc, owner, false);
    if (!object || !Array.isArray(object[key])) return;
    object[key].splice(index, 1);
    if (object[key].length === 0) delete object[key];
    if (owner.allTools && Object.keys(object).length === 0) delete doc.all_tools;
  }

  /** Every counter name used in the document, for reuse (shared budgets). */
  function counterNames(doc) {
    const names = new Set();
    const collect = (limits) => {
      if (!Array.isArray(limits)) return;
      for (const limit of limits) {
        if (isObject(limit) && typeof limit.counter === 'string' && limit.counter) names.add(limit.counter);
      }
    };
    if (isObject(doc.all_tools)) collect(doc.all_tools.limits);
    if (isObject(doc.tools)) {
      for (const rule of Object.values(doc.tools)) if (isObject(rule)) collect(rule.limits);
    }
    return [...names].sort();
  }

  function addLimit(doc, owner) {
    const used = new Set(counterNames(doc));
    let counter = owner.allTools ? 'all_calls' : `${owner.tool}_rate`;
    for (let n = 2; used.has(counter); n += 1) counter = `${owner.allTools ? 'all_calls' : owner.tool + '_rate'}_${n}`;
    pushTo(doc, owner, 'limits', { counter, window: 'minute', max: owner.allTools ? 120 : 30, scope: 'grant' });
  }

  function removeLimit(doc, owner, index) {
    removeFrom(doc, owner, 'limits', index);
  }

  /** A typed number becomes a number; anything else stays text for the validator to name. */
  function numberOrText(text) {
    const trimmed = String(text).trim();
    return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
  }

  function setLimitField(doc, owner, index, field, text) {
    const limit = listOf(doc, owner, 'limits')[index];
    if (!isObject(limit)) return;
    if (field === 'max') limit.max = numberOrText(text);
    else if (field === 'window') limit.window = numberOrText(text);
    else if (field === 'counter' || field === 'scope') limit[field] = String(text).trim();
    else throw new Error('unknown limit field ' + field);
  }

  function addRule(doc, name, kind, path) {
    const condition = { path: path || 'args', op: kind === 'require' ? 'exists' : 'eq', value: kind === 'require' ? true : '' };
    pushTo(doc, { tool: name }, kind, { conditions: [condition] });
  }

  function removeRule(doc, name, kind, index) {
    removeFrom(doc, { tool: name }, kind, index);
  }

  function ruleAt(doc, name, kind, index) {
    const rule = listOf(doc, { tool: name }, kind)[index];
    return isObject(rule) ? rule : null;
  }

  function setOnDeny(doc, name, kind, index, text) {
    const rule = ruleAt(doc, name, kind, index);
    if (!rule) return;
    if (text === '') delete rule.on_deny;
    else rule.on_deny = text;
  }

  function addCondition(doc, name, kind, index, path) {
    const rule = ruleAt(doc, name, kind, index);
    if (!rule) return;
    if (!Array.isArray(rule.conditions)) rule.conditions = [];
    rule.conditions.push({ path: path || 'args', op: 'eq', value: '' });
  }

  /** Removing a rule's last condition removes the rule: an empty AND is not allowed. */
  function removeCondition(doc, name, kind, index, conditionIndex) {
    const rule = ruleAt(doc, name, kind, index);
    if (!rule || !Array.isArray(rule.conditions)) return;
    rule.conditions.splice(conditionIndex, 1);
    if (rule.conditions.length === 0) removeRule(doc, name, kind, index);
  }

  function setConditionField(doc, name, kind, index, conditionIndex, field, text) {
    const rule = ruleAt(doc, name, kind, index);
    const condition = rule && Array.isArray(rule.conditions) ? rule.conditions[conditionIndex] : null;
    if (!isObject(condition)) return;
    if (field === 'path') condition.path = String(text).trim();
    else if (field === 'value') condition.value = parseValue(condition.op, text);
    else if (field === 'op') {
      const shown = has(condition, 'value') ? formatValue(condition.op, condition.value) : '';
      condition.op = text;
      condition.value = text === 'exists' && typeof condition.value !== 'boolean' ? true : parseValue(text, shown);
    } else throw new Error('unknown condition field ' + field);
  }

  /** Text typed for a scalar: JSON when it parses (`5`, `true`, `"5"`), else the text itself. */
  function parseScalar(text) {
    const trimmed = text.trim();
    if (trimmed === '') return text;
    try {
      return JSON.parse(trimmed);
    } catch (_) {
      return text;
    }
  }

  function formatScalar(value) {
    if (typeof value !== 'string') return JSON.stringify(value);
    return parseScalar(value) === value ? value : JSON.stringify(value);
  }

  /** A condition's value from the text field, by op. Lists (`in`, `not_in`) take `a, b` or JSON. */
  function parseValue(op, text) {
    text = String(text);
    if (op === 'regex') return text;
    if (op === 'in' || op === 'not_in') {
      const trimmed = text.trim();
      if (trimmed === '') return [];
      if (trimmed.startsWith('[')) return parseScalar(trimmed);
      return trimmed.split(',').map((item) => parseScalar(item.trim()));
    }
    return parseScalar(text);
  }

  /** The text shown for a value; parseValue(op, formatValue(op, v)) gives v back. */
  function formatValue(op, value) {
    if (op === 'regex' && typeof value === 'string') return value;
    if ((op === 'in' || op === 'not_in') && Array.isArray(value)) {
      const items = value.map(formatScalar);
      const plain = items.every((item, i) => item !== '' && !/[,[]/.test(item) && item.trim() === item && typeof value[i] !== 'object');
      return plain && value.length > 0 ? items.join(', ') : JSON.stringify(value);
    }
    if (value === undefined) return '';
    return formatScalar(value);
  }

  /** Argument paths offered for a tool, from its input schema: `args.<prop>` and one level deeper. */
  function schemaPaths(schema) {
    const paths = [];
    const segment = (key) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? '.' + key : `[${JSON.stringify(key)}]`);
    const walk = (node, prefix, depth) => {
      if (!isObject(node) || !isObject(node.properties)) return;
      for (const [key, property] of Object.entries(node.properties)) {
        const path = prefix + segment(key);
        const type = isObject(property) && typeof property.type === 'string' ? property.type : '';
        paths.push({ path, type });
        if (depth < 1 && type === 'object') walk(property, path, depth + 1);
      }
    };
    walk(schema, 'args', 0);
    return paths;
  }

  return {
    OPS,
    WINDOWS,
    SCOPES,
    RULE_KINDS,
    ownerPointer,
    listOf,
    counterNames,
    addLimit,
    removeLimit,
    setLimitField,
    addRule,
    removeRule,
    setOnDeny,
    addCondition,
    removeCondition,
    setConditionField,
    parseValue,
    formatValue,
    schemaPaths,
  };
});
