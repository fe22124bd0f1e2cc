// A compact way to write definitions: def(name, type, default, spec).

import type {
  ConfigDefinition,
  ConfigType,
  ConfigValue,
  Importance,
  TopicConfigDefinition,
  TopicSynonym,
  Validator,
} from '../types.js';

export const LONG_MAX = '9223372036854775807';
export const INT_MAX = '2147483647';

export interface Spec {
  doc: string;
  /** Importance; medium when omitted. */
  imp?: Importance;
  /** Samsa's broker uses it. */
  impl?: boolean;
  /** Dynamic update: 'cluster' (cluster-wide) or 'broker' (per-broker); read-only when omitted. */
  dyn?: 'cluster' | 'broker';
  min?: number;
  max?: number;
  oneOf?: readonly string[];
  caseInsensitive?: boolean;
  listOf?: readonly string[];
  nonEmpty?: boolean;
  check?: (value: ConfigValue, name: string) => string | null;
  internal?: boolean;
  samsa?: boolean;
  unlisted?: boolean;
  removedIn?: string;
  k39?: string | null;
  note?: string;
}

function validatorOf(s: Spec): Validator | undefined {
  if (s.min !== undefined || s.max !== undefined) return { kind: 'range', min: s.min, max: s.max };
  if (s.oneOf) return { kind: 'one-of', values: s.oneOf, caseInsensitive: s.caseInsensitive };
  if (s.listOf) return { kind: 'list-of', values: s.listOf };
  if (s.nonEmpty) return { kind: 'non-empty' };
  if (s.check) return { kind: 'custom', check: s.check };
  return undefined;
}

export function def(name: string, type: ConfigType, defaultText: string | null, s: Spec): ConfigDefinition {
  const d: ConfigDefinition = {
    name,
    type,
    defaultText,
    importance: s.imp ?? 'medium',
    implemented: s.impl ?? false,
    dynamic: s.dyn === 'cluster' ? 'cluster-wide' : s.dyn === 'broker' ? 'per-broker' : 'read-only',
    doc: s.doc,
  };
  const validator = validatorOf(s);
  return {
    ...d,
    ...(validator && { validator }),
    ...(s.internal && { internal: true }),
    ...(s.samsa && { samsa: true }),
    ...(s.unlisted && { unlisted: true }),
    ...(s.removedIn && { removedIn: s.removedIn }),
    ...(s.k39 !== undefined && { kafka39Default: s.k39 }),
    ...(s.note && { note: s.note }),
  };
}

/** A topic definition; `synonyms` are broker keys, highest priority first (`name:hours`, `name:minutes`). */
export function topic(
  name: string,
  type: ConfigType,
  defaultText: string | null,
  synonyms: readonly string[],
  s: Spec,
): TopicConfigDefinition {
  const parsed: TopicSynonym[] = synonyms.map((entry) => {
    const [synonym, unit] = entry.split(':');
    return unit === 'hours' || unit === 'minutes' ? { name: synonym, unit } : { name: synonym };
  });
  return { ...def(name, type, defaultText, s), synonyms: parsed };
}

/** Host and port entries such as `host:9093`, `[::1]:9093`; returns the reason for the first bad one. */
export function checkHostPorts(entries: readonly string[], what: string): string | null {
  for (const entry of entries) {
    if (!/^\[?[0-9a-zA-Z\-%._:]*\]?:\d+$/.test(entry) || /^\[?\]?:/.test(entry))
      return `${what} entry '${entry}' should be in the form {host}:{port}`;
  }
  return null;
}

/** Kafka's compression level checks. */
export const GZIP_LEVEL = (value: ConfigValue): string | null => {
  const n = value as number;
  return n > 9 || (n < 1 && n !== -1) ? 'Value must be between 1 and 9 or equal to -1' : null;
};

/** Kafka's metadata version strings (3.0, 3.0-IV1, 2.8.1 ...). */
export const METADATA_VERSION = (value: ConfigValue): string | null =>
  /^\d+\.\d+(\.\d+)?(-IV\d+)?$/.test(String(value)) ? null : `Unknown metadata.version '${value}'`;

export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
