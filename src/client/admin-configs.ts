// The admin client's config calls: describe and incrementally alter the configs of topics,
// brokers, broker loggers and groups. Each resource is its own request (broker resources go to
// that broker) with its own retries; every failure is reported with its resource.
import type { DescribeConfigsResponse, IncrementalAlterConfigsResponse } from '../protocol/index.js';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import { combineErrors, type KafkaError, kafkaError } from './errors.js';
import { API } from './versions.js';

export type ConfigResourceType = 'topic' | 'broker' | 'broker-logger' | 'group';
const RESOURCE_TYPES: Record<ConfigResourceType, number> = {
  topic: 2,
  group: 3,
  broker: 4,
  'broker-logger': 8,
};
const RESOURCE_NAMES = new Map(Object.entries(RESOURCE_TYPES).map(([k, v]) => [v, k as ConfigResourceType]));

export type ConfigSource =
  | 'unknown'
  | 'dynamic-topic'
  | 'dynamic-broker'
  | 'dynamic-default-broker'
  | 'static-broker'
  | 'default'
  | 'dynamic-broker-logger'
  | 'client-metrics'
  | 'group';
const SOURCES: ConfigSource[] = [
  'unknown',
  'dynamic-topic',
  'dynamic-broker',
  'dynamic-default-broker',
  'static-broker',
  'default',
  'dynamic-broker-logger',
  'client-metrics',
  'group',
];

export interface ConfigResource {
  type: ConfigResourceType;
  name: string;
  /** Only these keys (default: all). */
  keys?: string[];
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  isSensitive: boolean;
  source: ConfigSource;
  /** Where the value could come from, most specific first (only with `includeSynonyms`). */
  synonyms?: { name: string; value: string | null; source: ConfigSource }[];
}

export interface ConfigDescription {
  type: ConfigResourceType;
  name: string;
  configs: ConfigEntry[];
}

export type AlterConfigOp =
  | { op: 'set'; name: string; value: string }
  | { op: 'delete'; name: string }
  | { op: 'append' | 'subtract'; name: string; value: string };
const OPS = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

type DescribedResource = DescribeConfigsResponse['results'][number];
type DescribedConfig = DescribedResource['configs'][number];

export async function describeConfigs(
  cluster: Cluster,
  resources: readonly ConfigResource[],
  options: { includeSynonyms?: boolean },
  timeoutMs: number,
): Promise<ConfigDescription[]> {
  return perResource(cluster, 'DescribeConfigs', resources, timeoutMs, async (r, conn) => {
    const res = await conn.send<DescribeConfigsResponse>(API.DescribeConfigs, () => ({
      resources: [
        {
          resourceType: RESOURCE_TYPES[r.type],
          resourceName: r.name,
          configurationKeys: r.keys ?? null,
        },
      ],
      includeSynonyms: options.includeSynonyms ?? false,
      includeDocumentation: false,
    }));
    const x = res.results[0];
    if (x.errorCode !== 0) return resourceError('DescribeConfigs', r, x);
    return {
      type: RESOURCE_NAMES.get(x.resourceType) ?? r.type,
      name: x.resourceName,
      configs: x.configs.map((c) => configEntry(c, options.includeSynonyms ?? false)),
    };
  });
}

function configEntry(c: DescribedConfig, includeSynonyms: boolean): ConfigEntry {
  return {
    name: c.name,
    value: c.value,
    readOnly: c.readOnly,
    isDefault:
      c.configSource !== undefined && c.configSource >= 0 ? c.configSource === 5 : Boolean(c.isDefault),
    isSensitive: c.isSensitive,
    source: SOURCES[c.configSource ?? 0] ?? 'unknown',
    ...(includeSynonyms
      ? {
          synonyms: (c.synonyms ?? []).map((y) => ({
            name: y.name ?? '',
            value: y.value ?? null,
            source: SOURCES[y.source ?? 0] ?? 'unknown',
          })),
        }
      : {}),
  };
}

export async function incrementalAlterConfigs(
  cluster: Cluster,
  changes: readonly { type: ConfigResourceType; name: string; ops: readonly AlterConfigOp[] }[],
  options: { validateOnly?: boolean },
  timeoutMs: number,
): Promise<void> {
  await perResource(cluster, 'IncrementalAlterConfigs', changes, timeoutMs, async (r, conn) => {
    const res = await conn.send<IncrementalAlterConfigsResponse>(API.IncrementalAlterConfigs, () => ({
      resources: [
        {
          resourceType: RESOURCE_TYPES[r.type],
          resourceName: r.name,
          configs: r.ops.map((o) => ({
            name: o.name,
            configOperation: OPS[o.op],
            value: 'value' in o ? o.value : null,
          })),
        },
      ],
      validateOnly: options.validateOnly ?? false,
    }));
    const x = res.responses[0];
    if (x.errorCode !== 0) return resourceError('IncrementalAlterConfigs', r, x);
  });
}

/**
 * Calls `call` for every resource on its own connection, with retries, and throws every failure
 * together. A resource's own error (returned by `call`) is its answer, not retried, as in the Java
 * admin client.
 */
async function perResource<R extends { type: ConfigResourceType; name: string }, T>(
  cluster: Cluster,
  api: string,
  resources: readonly R[],
  timeoutMs: number,
  call: (resource: R, conn: Connection) => Promise<T | KafkaError>,
): Promise<T[]> {
  const results = await Promise.all(
    resources.map((r) =>
      cluster
        .withRetries(
          api,
          async () => {
            const conn = await configTarget(cluster, r.type, r.name);
            return call(r, conn);
          },
          timeoutMs,
        )
        .catch((e: KafkaError) => e),
    ),
  );
  const errors = results.filter((r): r is KafkaError => r instanceof Error);
  if (errors.length > 0) throw combineErrors(errors, `${api} failed`);
  return results as T[];
}

/** Broker resources go to that broker; everything else to any broker. */
function configTarget(cluster: Cluster, type: ConfigResourceType, name: string): Promise<Connection> {
  if ((type === 'broker' || type === 'broker-logger') && name !== '')
    return cluster.connectionTo(Number(name));
  return cluster.anyConnection();
}

function resourceError(
  api: string,
  r: { type: ConfigResourceType; name: string },
  x: { errorCode: number; errorMessage: string | null },
): KafkaError {
  return kafkaError(
    x.errorCode,
    { api, ...(r.type === 'topic' ? { topic: r.name } : {}) },
    x.errorMessage ?? `${r.type} ${r.name}`,
  );
}
