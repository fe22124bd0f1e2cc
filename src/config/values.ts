// Parsing config text into typed values, and printing them back, with Kafka's rules and messages
// (ConfigDef.parseType, ConfigDef.convertToString, the validators' reasons).

import type { ConfigDefinition, ConfigType, ConfigValue, Validator } from './types.js';

export type Parsed = { ok: true; value: ConfigValue; text: string | null } | { ok: false; error: string };

const INT_RE = /^[+-]?\d+$/;
const DOUBLE_RE = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/;
const INT32 = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const INT16 = [-(2n ** 15n), 2n ** 15n - 1n] as const;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;

const TYPE_NAMES: Record<ConfigType, string> = {
  boolean: 'BOOLEAN',
  string: 'STRING',
  int: 'INT',
  short: 'SHORT',
  long: 'LONG',
  double: 'DOUBLE',
  list: 'LIST',
  class: 'CLASS',
  password: 'PASSWORD',
};

/** Kafka's ConfigException text: `Invalid value <value> for configuration <name>: <reason>`. */
export function invalidValue(name: string, shown: string, reason: string): string {
  return `Invalid value ${shown} for configuration ${name}: ${reason}`;
}

/** Splits a list value as Kafka does: trimmed, empty means no entries, commas with spaces around. */
export function splitList(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
}

function parseInteger(trimmed: string, range: readonly [bigint, bigint]): bigint | null {
  if (!INT_RE.test(trimmed)) return null;
  const n = BigInt(trimmed);
  return n < range[0] || n > range[1] ? null : n;
}

/** Parses text for a type; `text` is Kafka's printed form of the parsed value. */
export function parseText(name: string, type: ConfigType, raw: string): Parsed {
  const trimmed = raw.trim();
  const notNumber = {
    ok: false as const,
    error: invalidValue(name, raw, `Not a number of type ${TYPE_NAMES[type]}`),
  };
  switch (type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower !== 'true' && lower !== 'false')
        return { ok: false, error: invalidValue(name, raw, 'Expected value to be either true or false') };
      return { ok: true, value: lower === 'true', text: lower };
    }
    case 'int':
    case 'short':
    case 'long': {
      const range = type === 'int' ? INT32 : type === 'short' ? INT16 : INT64;
      const n = parseInteger(trimmed, range);
      return n === null ? notNumber : { ok: true, value: Number(n), text: n.toString() };
    }
    case 'double': {
      if (!DOUBLE_RE.test(trimmed)) return notNumber;
      const value = Number(trimmed.replace(/[fFdD]$/, ''));
      return { ok: true, value, text: javaDoubleText(value) };
    }
    case 'list': {
      const list = splitList(raw);
      return { ok: true, value: list, text: list.join(',') };
    }
    default:
      return { ok: true, value: trimmed, text: trimmed };
  }
}

/** Java's Double.toString: `0.5`, `1.0`, `1.0E7`, `1.7976931348623157E308`. */
export function javaDoubleText(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = d.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** How Java prints a parsed value inside an error message. */
export function shownValue(value: ConfigValue, type: ConfigType): string {
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  if (typeof value === 'number' && type === 'double') return javaDoubleText(value);
  return String(value);
}

function numberText(n: number): string {
  return Number.isInteger(n) ? String(n) : javaDoubleText(n);
}

/** Runs a validator; returns Kafka's full error line, or null. */
export function checkValidator(
  name: string,
  type: ConfigType,
  validator: Validator,
  value: ConfigValue,
): string | null {
  const shown = shownValue(value, type);
  switch (validator.kind) {
    case 'range': {
      if (value === null) return invalidValue(name, 'null', 'Value must be non-null');
      const n = value as number;
      if (validator.min !== undefined && n < validator.min)
        return invalidValue(name, shown, `Value must be at least ${numberText(validator.min)}`);
      if (validator.max !== undefined && n > validator.max)
        return invalidValue(name, shown, `Value must be no more than ${numberText(validator.max)}`);
      return null;
    }
    case 'one-of':
      return checkOneOf(name, validator, value as string | null);
    case 'list-of': {
      for (const item of (value as readonly string[] | null) ?? []) {
        if (!validator.values.includes(item))
          return invalidValue(name, item, `String must be one of: ${validator.values.join(', ')}`);
      }
      return null;
    }
    case 'non-empty':
      return value === '' ? invalidValue(name, shown, 'String must be non-empty') : null;
    case 'custom': {
      const reason = validator.check(value, name);
      return reason === null ? null : invalidValue(name, shown, reason);
    }
  }
}

function checkOneOf(
  name: string,
  v: { values: readonly string[]; caseInsensitive?: boolean },
  value: string | null,
) {
  if (v.caseInsensitive) {
    const upper = v.values.map((s) => s.toUpperCase());
    if (value !== null && upper.includes(value.toUpperCase())) return null;
    return invalidValue(name, String(value), `String must be one of (case insensitive): ${upper.join(', ')}`);
  }
  if (value !== null && v.values.includes(value)) return null;
  return invalidValue(name, String(value), `String must be one of: ${v.values.join(', ')}`);
}

/** Parses and validates text for a definition. */
export function parseForDefinition(def: ConfigDefinition, raw: string): Parsed {
  const parsed = parseText(def.name, def.type, raw);
  if (!parsed.ok || !def.validator) return parsed;
  const error = checkValidator(def.name, def.type, def.validator, parsed.value);
  return error === null ? parsed : { ok: false, error };
}

/** The typed default of a definition (null when it has none). */
export function defaultValue(def: ConfigDefinition): ConfigValue {
  if (def.defaultText === null) return null;
  const parsed = parseText(def.name, def.type, def.defaultText);
  if (!parsed.ok) throw new Error(`bad default for ${def.name}: ${parsed.error}`);
  return parsed.value;
}
