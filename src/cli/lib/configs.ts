// Config entries as kafka-configs.sh and `samsa config` show and change them.
import type { ConfigEntry } from '../../client/index.js';
import { UsageError } from '../args.js';

/** Kafka's names of config sources (ConfigEntry.ConfigSource). */
export const SOURCE_NAMES: Record<string, string> = {
  unknown: 'UNKNOWN',
  'dynamic-topic': 'DYNAMIC_TOPIC_CONFIG',
  'dynamic-broker': 'DYNAMIC_BROKER_CONFIG',
  'dynamic-default-broker': 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'static-broker': 'STATIC_BROKER_CONFIG',
  default: 'DEFAULT_CONFIG',
  'dynamic-broker-logger': 'DYNAMIC_BROKER_LOGGER_CONFIG',
  'client-metrics': 'CLIENT_METRICS_CONFIG',
  group: 'DYNAMIC_GROUP_CONFIG',
};

export function sourceName(source: string): string {
  return SOURCE_NAMES[source] ?? source.toUpperCase();
}

/** `  name=value sensitive=false synonyms={SOURCE:name=value, ...}`, one line of --describe. */
export function describeLine(e: ConfigEntry): string {
  const synonyms = (e.synonyms ?? []).map((s) => `${sourceName(s.source)}:${s.name}=${s.value}`).join(', ');
  return `  ${e.name}=${e.value} sensitive=${e.isSensitive} synonyms={${synonyms}}`;
}

/**
 * `k1=v1,k2=[a,b],k3=v3` as --add-config takes it: commas inside brackets belong to the value,
 * the brackets are dropped, an empty value is allowed.
 */
export function parseAddConfig(text: string): Record<string, string> {
  const pairs: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      pairs.push(current);
      current = '';
    } else current += ch;
  }
  pairs.push(current);
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new UsageError('Invalid entity config: every config to add must be key=value');
    const key = pair.slice(0, eq).trim();
    const value = pair
      .slice(eq + 1)
      .replace(/[[\]]/g, '')
      .trim();
    if (!/^[a-zA-Z0-9._-]*$/.test(key))
      throw new UsageError(`Invalid character found for config key: ${key}`);
    out[key] = value;
  }
  return out;
}
