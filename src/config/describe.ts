// DescribeConfigs entries for broker and topic resources, with Kafka's semantics (ConfigHelper): the
// source of a value is that of its first synonym, synonyms are listed level by level (dynamic
// per-broker, dynamic cluster default, static, default) and start at the key itself, sensitive values
// and keys of unknown type are reported as null.

import type { BrokerConfig } from './broker-config.js';
import { BROKER_CONFIGS, brokerSynonyms, TOPIC_CONFIGS } from './registry.js';
import { staticOriginals } from './resolve.js';
import { entriesOf, resolveTopicValues, type TopicEntries } from './topic-config.js';
import { type ConfigDefinition, ConfigSourceCode, ConfigTypeCode, sourceCode } from './types.js';

export interface ConfigSynonymEntry {
  name: string;
  value: string | null;
  source: number;
}

/** One entry of a DescribeConfigs result, in Kafka's terms (codes as in DescribeConfigsResponse). */
export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
  /** Empty unless synonyms were asked for. */
  synonyms: ConfigSynonymEntry[];
  configType: number;
  documentation: string | null;
  /** For DescribeConfigs v0 (IsDefault). */
  isDefault: boolean;
}

export interface DescribeOptions {
  /** Only these keys; null or empty for all. */
  names?: readonly string[] | null;
  includeSynonyms?: boolean;
  includeDocumentation?: boolean;
}

export type DescribeResult =
  | { ok: true; entries: DescribedConfig[] }
  | { ok: false; errorKind: 'invalid-request'; error: string };

function isHidden(def: ConfigDefinition): boolean {
  return def.internal === true || def.samsa === true || def.unlisted === true || def.removedIn !== undefined;
}

type Levels = readonly (readonly [ReadonlyMap<string, string>, number])[];

/** The raw values of each level, highest first: dynamic per-broker, dynamic cluster default, static. */
function levelsOf(config: BrokerConfig): Levels {
  const raw = (layer: ReadonlyMap<string, { value: string }>) =>
    new Map([...layer].map(([k, e]) => [k, e.value]));
  return [
    [raw(config.layers.dynamicBroker), ConfigSourceCode.DYNAMIC_BROKER_CONFIG],
    [raw(config.layers.dynamicCluster), ConfigSourceCode.DYNAMIC_DEFAULT_BROKER_CONFIG],
    [staticOriginals(config.layers), ConfigSourceCode.STATIC_BROKER_CONFIG],
  ];
}

/** The value each synonym has at each level, highest level first, starting at `name` (Kafka's order). */
function configSynonyms(levels: Levels, name: string, sensitive: boolean): ConfigSynonymEntry[] {
  const names = brokerSynonyms(name);
  const defaults = new Map<string, string>();
  for (const n of names) {
    const text = BROKER_CONFIGS.get(n)?.defaultText;
    if (text !== null && text !== undefined) defaults.set(n, text);
  }
  const out: ConfigSynonymEntry[] = [];
  for (const [values, source] of [...levels, [defaults, ConfigSourceCode.DEFAULT_CONFIG] as const]) {
    for (const n of names) {
      const value = values.get(n);
      if (value !== undefined) out.push({ name: n, value: sensitive ? null : value, source });
    }
  }
  const first = out.findIndex((s) => s.name === name);
  return first < 0 ? [] : out.slice(first);
}

function wanted(options: DescribeOptions): (name: string) => boolean {
  const names = options.names;
  return names && names.length > 0 ? (n) => names.includes(n) : () => true;
}

function brokerEntry(
  config: BrokerConfig,
  levels: Levels,
  name: string,
  perBroker: boolean,
  o: DescribeOptions,
): DescribedConfig {
  const resolved = config.get(name);
  const def = resolved?.definition;
  const sensitive = def === undefined || def.type === 'password';
  const all = configSynonyms(levels, name, sensitive).filter(
    (s) => perBroker || s.source === ConfigSourceCode.DYNAMIC_DEFAULT_BROKER_CONFIG,
  );
  const source = all[0]?.source ?? ConfigSourceCode.DEFAULT_CONFIG;
  const exact = BROKER_CONFIGS.get(name);
  const value = perBroker
    ? (resolved?.text ?? null)
    : (config.layers.dynamicCluster.get(name)?.value ?? null);
  return {
    name,
    value: sensitive ? null : value,
    readOnly: exact === undefined || exact.dynamic === 'read-only',
    configSource: source,
    isSensitive: sensitive,
    synonyms: o.includeSynonyms ? all : [],
    configType: def ? ConfigTypeCode[def.type] : ConfigTypeCode.unknown,
    documentation: o.includeDocumentation ? (exact?.doc ?? null) : null,
    isDefault: source === ConfigSourceCode.DEFAULT_CONFIG,
  };
}

/** Kafka's check of a BROKER resource name for DescribeConfigs: empty (cluster default) or this node. */
export function checkDescribeBrokerName(resourceName: string, nodeId: number): string | null {
  if (resourceName === '') return null;
  if (!/^[+-]?\d+$/.test(resourceName)) return `Broker id must be an integer, but it is: ${resourceName}`;
  return Number(resourceName) === nodeId
    ? null
    : `Unexpected broker id, expected ${nodeId} or empty string, but received ${resourceName}`;
}

/** The entries of a BROKER resource: `resourceName` is this node's id, or '' for the cluster default. */
export function describeBrokerConfigs(
  config: BrokerConfig,
  resourceName: string,
  options: DescribeOptions = {},
): DescribeResult {
  const error = checkDescribeBrokerName(resourceName, config.nodeId);
  if (error) return { ok: false, errorKind: 'invalid-request', error };
  const perBroker = resourceName !== '';
  const keep = wanted(options);
  const names = new Set<string>();
  if (perBroker) {
    for (const def of BROKER_CONFIGS.values()) if (!isHidden(def)) names.add(def.name);
    for (const r of config.all()) if (r.source !== 'default') names.add(r.name);
  } else {
    for (const name of config.layers.dynamicCluster.keys()) names.add(name);
  }
  const levels = levelsOf(config);
  const entries = [...names]
    .filter(keep)
    .sort()
    .map((name) => brokerEntry(config, levels, name, perBroker, options));
  return { ok: true, entries };
}

/** The entries of a TOPIC resource whose stored overrides are `overrides`. */
export function describeTopicConfigs(
  config: BrokerConfig,
  overrides: TopicEntries,
  options: DescribeOptions = {},
): DescribedConfig[] {
  const { values } = resolveTopicValues(config.get, overrides);
  const set = new Set(entriesOf(overrides).map(([name]) => name));
  const keep = wanted(options);
  const levels = levelsOf(config);
  const out: DescribedConfig[] = [];
  for (const def of TOPIC_CONFIGS.values()) {
    if ((def.removedIn && !set.has(def.name)) || !keep(def.name)) continue;
    const v = values.get(def.name)!;
    const serverName = def.synonyms[0]?.name;
    const broker = serverName ? configSynonyms(levels, serverName, false) : [];
    const all =
      v.source === 'topic'
        ? [{ name: def.name, value: v.text, source: sourceCode('topic') }, ...broker]
        : broker;
    const source = all[0]?.source ?? ConfigSourceCode.DEFAULT_CONFIG;
    out.push({
      name: def.name,
      value: v.text,
      readOnly: false,
      configSource: source,
      isSensitive: false,
      synonyms: options.includeSynonyms ? all : [],
      configType: ConfigTypeCode[def.type],
      documentation: options.includeDocumentation ? def.doc : null,
      isDefault: source === ConfigSourceCode.DEFAULT_CONFIG,
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
