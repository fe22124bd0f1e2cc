// Dynamic broker configs (KIP-226): which keys may change at run time, the checks Kafka applies
// before accepting a change (DynamicBrokerConfig.validateConfigs), and applying stored ones.

import { type BrokerConfig, buildBrokerConfig, type LoadResult } from './broker-config.js';
import { BROKER_CONFIGS, classifyBrokerKey } from './registry.js';
import type { Layer, RawEntry } from './resolve.js';
import { parseForDefinition } from './values.js';

/** Keys that may be changed only per listener (listener.name.<l>.<key>), never bare. */
const LISTENER_ONLY = new Set([
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.truststore.certificates',
]);

/** Listener keys that may also be set as a cluster default. */
const CLUSTER_LEVEL_LISTENER_KEYS = new Set([
  'max.connections',
  'max.connection.creation.rate',
  'num.network.threads',
]);

/** Scala's Set printing, which Kafka's messages use. */
function scalaSet(names: readonly string[]): string {
  return `Set(${names.join(', ')})`;
}

function isPerBroker(name: string): boolean {
  const key = classifyBrokerKey(name);
  if (key.kind === 'listener') return !CLUSTER_LEVEL_LISTENER_KEYS.has(key.baseName);
  return key.kind === 'known' && key.definition.dynamic === 'per-broker';
}

/**
 * Checks a complete set of dynamic broker configs as Kafka does before storing them. `perBroker` is false
 * for the cluster default (resource name ''). Keys Kafka does not know are allowed (custom configs).
 */
export function checkDynamicBrokerConfigs(
  configs: ReadonlyMap<string, string>,
  perBroker: boolean,
): string | null {
  const names = [...configs.keys()];
  const fixed = names.filter((n) => BROKER_CONFIGS.get(n)?.dynamic === 'read-only');
  if (fixed.length > 0) return `Cannot update these configs dynamically: ${scalaSet(fixed)}`;
  const bare = names.filter((n) => LISTENER_ONLY.has(n));
  if (bare.length > 0)
    return `These security configs can be dynamically updated only per-listener using the listener prefix: ${scalaSet(bare)}`;
  for (const [name, value] of configs) {
    const key = classifyBrokerKey(name);
    if (key.kind !== 'known' && key.kind !== 'listener') continue;
    const parsed = parseForDefinition(key.definition, value);
    if (!parsed.ok) return parsed.error;
  }
  const local = perBroker ? [] : names.filter(isPerBroker);
  if (local.length > 0)
    return `Cannot update these configs at default cluster level, broker id must be specified: ${scalaSet(local)}`;
  return null;
}

function dynamicLayer(configs: Readonly<Record<string, string>>, origin: string, warnings: string[]): Layer {
  const layer = new Map<string, RawEntry>();
  for (const [name, value] of Object.entries(configs)) {
    const key = classifyBrokerKey(name);
    if (key.kind === 'known' && key.definition.dynamic === 'read-only') {
      warnings.push(`${origin} ${name} ignored: it cannot be changed dynamically`);
      continue;
    }
    if (key.kind === 'known' || key.kind === 'listener') {
      const parsed = parseForDefinition(key.definition, value);
      if (!parsed.ok) {
        warnings.push(`${origin} ignored: ${parsed.error}`);
        continue;
      }
    }
    layer.set(name, { value, origin: `${origin} ${name}` });
  }
  return layer;
}

export interface DynamicBrokerConfigs {
  /** Stored configs of the BROKER resource '' (the cluster default). */
  clusterDefaults?: Readonly<Record<string, string>>;
  /** Stored configs of the BROKER resource named after this node. */
  perBroker?: Readonly<Record<string, string>>;
}

/**
 * The config with stored dynamic broker configs applied (replacing earlier dynamic ones). Values that
 * cannot apply are skipped with a warning, as Kafka does on replay; an error means the combination
 * breaks a rule (e.g. bad listeners), and the caller keeps the previous config.
 */
export function withDynamicConfigs(config: BrokerConfig, dynamic: DynamicBrokerConfigs): LoadResult {
  const warnings = [...config.warnings];
  const layers = {
    ...config.layers,
    dynamicCluster: dynamicLayer(dynamic.clusterDefaults ?? {}, 'dynamic cluster default', warnings),
    dynamicBroker: dynamicLayer(dynamic.perBroker ?? {}, 'dynamic broker config', warnings),
  };
  return buildBrokerConfig(layers, [...config.notes], warnings);
}
