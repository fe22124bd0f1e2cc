// Lookup of definitions by name, including the key families Kafka accepts without defining them one by
// one (listener.name.<listener>.<key>, plugin prefixes), and "did you mean" suggestions.

import { COORDINATOR_DEFINITIONS } from './defs/coordinators.js';
import { LOG_DEFINITIONS } from './defs/log.js';
import { SECURITY_DEFINITIONS } from './defs/security.js';
import { SERVER_DEFINITIONS } from './defs/server.js';
import { TOPIC_DEFINITIONS } from './defs/topic.js';
import { ZOOKEEPER_DEFINITIONS } from './defs/zookeeper.js';
import type { ConfigDefinition, TopicConfigDefinition } from './types.js';

function byName<T extends ConfigDefinition>(defs: readonly T[]): ReadonlyMap<string, T> {
  const map = new Map<string, T>();
  for (const d of defs) {
    if (map.has(d.name)) throw new Error(`config ${d.name} is defined twice`);
    map.set(d.name, d);
  }
  return map;
}

/** Every broker key, by name. */
export const BROKER_CONFIGS: ReadonlyMap<string, ConfigDefinition> = byName([
  ...SERVER_DEFINITIONS,
  ...LOG_DEFINITIONS,
  ...COORDINATOR_DEFINITIONS,
  ...SECURITY_DEFINITIONS,
  ...ZOOKEEPER_DEFINITIONS,
]);

/** Every topic config, by name. */
export const TOPIC_CONFIGS: ReadonlyMap<string, TopicConfigDefinition> = byName(TOPIC_DEFINITIONS);

/** SASL keys that take a mechanism after the listener prefix (listener.name.l.plain.sasl.jaas.config). */
const MECHANISM_KEYS = new Set([
  'sasl.jaas.config',
  'sasl.login.callback.handler.class',
  'sasl.login.class',
  'sasl.server.callback.handler.class',
  'connections.max.reauth.ms',
]);

const LISTENER_KEY = /^listener\.name\.([^.]+)\.(.+)$/;

/** Key families passed to plugins or other tools; accepted and kept, never checked. */
const PASS_THROUGH_PREFIXES = [
  'config.providers.',
  'confluent.',
  'metrics.jmx.',
  'metrics.context.',
  'kafka.csv.metrics.',
];

export type BrokerKey =
  | { kind: 'known'; definition: ConfigDefinition }
  | { kind: 'listener'; definition: ConfigDefinition; listener: string; baseName: string }
  | { kind: 'pass-through' }
  | { kind: 'unknown' };

/** The plugin key prefixes in effect (they are themselves configurable). */
export interface PluginPrefixes {
  remoteStorage: string;
  remoteMetadata: string;
}

export const DEFAULT_PLUGIN_PREFIXES: PluginPrefixes = {
  remoteStorage: 'rsm.config.',
  remoteMetadata: 'rlmm.config.',
};

/** What a broker key is: a definition, a per-listener form of one, a plugin key, or unknown. */
export function classifyBrokerKey(
  name: string,
  prefixes: PluginPrefixes = DEFAULT_PLUGIN_PREFIXES,
): BrokerKey {
  const known = BROKER_CONFIGS.get(name);
  if (known) return { kind: 'known', definition: known };
  const listener = LISTENER_KEY.exec(name);
  if (listener) {
    const definition = listenerBaseDefinition(listener[2]);
    if (!definition) return { kind: 'pass-through' };
    return { kind: 'listener', definition, listener: listener[1].toUpperCase(), baseName: definition.name };
  }
  if (name === 'config.providers') return { kind: 'pass-through' };
  const prefixList = [...PASS_THROUGH_PREFIXES, prefixes.remoteStorage, prefixes.remoteMetadata];
  if (prefixList.some((p) => name.startsWith(p))) return { kind: 'pass-through' };
  return { kind: 'unknown' };
}

function listenerBaseDefinition(rest: string): ConfigDefinition | undefined {
  const direct = BROKER_CONFIGS.get(rest);
  if (direct) return direct;
  const dot = rest.indexOf('.');
  const base = rest.slice(dot + 1);
  return dot > 0 && MECHANISM_KEYS.has(base) ? BROKER_CONFIGS.get(base) : undefined;
}

/** Kafka's broker synonyms of a key (DynamicBrokerConfig.brokerConfigSynonyms), highest priority first. */
export function brokerSynonyms(name: string): string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
  }
  const listener = LISTENER_KEY.exec(name);
  if (listener) {
    const base = listenerBaseDefinition(listener[2]);
    return [name, base ? base.name : listener[2]];
  }
  return [name];
}

function distance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(above + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** The closest of `names` to a mistyped key, when it is close enough to be a likely typo. */
export function suggestName(name: string, names: Iterable<string>): string | undefined {
  const normalized = name.trim().toLowerCase().replace(/[_-]/g, '.');
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of names) {
    const d = Math.min(distance(name, candidate), distance(normalized, candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(name.length / 5)));
  return bestDistance <= allowed ? best : undefined;
}

/** Broker names offered as suggestions: everything a user may reasonably mean. */
export function suggestibleBrokerNames(): Iterable<string> {
  return [...BROKER_CONFIGS.values()].filter((d) => !d.internal && !d.removedIn).map((d) => d.name);
}
