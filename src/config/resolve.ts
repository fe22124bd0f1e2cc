// Layers of raw values (defaults < base < file < env < override < dynamic cluster default < dynamic
// per-broker) resolved into one typed value per key, remembering where each came from.

import { classifyBrokerKey, DEFAULT_PLUGIN_PREFIXES, type PluginPrefixes } from './registry.js';
import type { ConfigDefinition, ConfigValue, ValueSource } from './types.js';
import { defaultValue, parseForDefinition } from './values.js';

export interface RawEntry {
  readonly value: string;
  /** Where the value was written, for messages: "server.properties line 12", "environment variable KAFKA_X". */
  readonly origin: string;
}

export type Layer = ReadonlyMap<string, RawEntry>;

export interface ConfigLayers {
  readonly base: Layer;
  readonly file: Layer;
  readonly env: Layer;
  readonly override: Layer;
  readonly dynamicCluster: Layer;
  readonly dynamicBroker: Layer;
}

export const EMPTY_LAYER: Layer = new Map();

/** Highest precedence first. */
export const PRECEDENCE: readonly (readonly [keyof ConfigLayers, ValueSource])[] = [
  ['dynamicBroker', 'dynamic-broker'],
  ['dynamicCluster', 'dynamic-cluster'],
  ['override', 'override'],
  ['env', 'env'],
  ['file', 'file'],
  ['base', 'base'],
];

export const STATIC_LAYERS: readonly (keyof ConfigLayers)[] = ['base', 'file', 'env', 'override'];

export interface ResolvedValue {
  readonly name: string;
  /** The typed value (null when unset without default); the raw text for keys without a definition. */
  readonly value: ConfigValue;
  /** Kafka's printed form of the value. */
  readonly text: string | null;
  readonly source: ValueSource;
  /** Where it was written; null for defaults. */
  readonly origin: string | null;
  /** The definition (for listener.name.* keys, the base key's); undefined for plugin and custom keys. */
  readonly definition: ConfigDefinition | undefined;
  readonly sensitive: boolean;
}

export type Resolved = { ok: true; values: Map<string, ResolvedValue> } | { ok: false; error: string };

function topEntry(layers: ConfigLayers, name: string): [RawEntry, ValueSource] | undefined {
  for (const [layer, source] of PRECEDENCE) {
    const entry = layers[layer].get(name);
    if (entry) return [entry, source];
  }
  return undefined;
}

/** The merged static values (what Kafka calls the broker's originals), raw. */
export function staticOriginals(layers: ConfigLayers): Map<string, string> {
  const out = new Map<string, string>();
  for (const layer of STATIC_LAYERS) for (const [k, e] of layers[layer]) out.set(k, e.value);
  return out;
}

export function pluginPrefixes(layers: ConfigLayers): PluginPrefixes {
  const rsm = topEntry(layers, 'remote.log.storage.manager.impl.prefix')?.[0].value.trim();
  const rlmm = topEntry(layers, 'remote.log.metadata.manager.impl.prefix')?.[0].value.trim();
  return {
    remoteStorage: rsm || DEFAULT_PLUGIN_PREFIXES.remoteStorage,
    remoteMetadata: rlmm || DEFAULT_PLUGIN_PREFIXES.remoteMetadata,
  };
}

function resolveOne(name: string, layers: ConfigLayers, prefixes: PluginPrefixes): ResolvedValue | string {
  const top = topEntry(layers, name);
  const key = classifyBrokerKey(name, prefixes);
  if (key.kind === 'pass-through' || key.kind === 'unknown') {
    const [entry, source] = top!;
    return {
      name,
      value: entry.value,
      text: entry.value,
      source,
      origin: entry.origin,
      definition: undefined,
      sensitive: true,
    };
  }
  const definition = key.definition;
  const sensitive = definition.type === 'password';
  if (!top) {
    return {
      name,
      value: defaultValue(definition),
      text: definition.defaultText,
      source: 'default',
      origin: null,
      definition,
      sensitive,
    };
  }
  const [entry, source] = top;
  const parsed = parseForDefinition(
    key.kind === 'listener' ? { ...definition, name } : definition,
    entry.value,
  );
  if (!parsed.ok) return `${entry.origin}: ${parsed.error}`;
  return {
    name,
    value: parsed.value,
    text: parsed.text,
    source,
    origin: entry.origin,
    definition,
    sensitive,
  };
}

/** Resolves every defined key and every key present in a layer. */
export function resolveLayers(layers: ConfigLayers, definitions: Iterable<string>): Resolved {
  const names = new Set(definitions);
  for (const [layer] of PRECEDENCE) for (const k of layers[layer].keys()) names.add(k);
  const prefixes = pluginPrefixes(layers);
  const values = new Map<string, ResolvedValue>();
  for (const name of names) {
    const resolved = resolveOne(name, layers, prefixes);
    if (typeof resolved === 'string') return { ok: false, error: resolved };
    values.set(name, resolved);
  }
  return { ok: true, values };
}
