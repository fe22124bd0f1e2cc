// Configs as the broker serves them: the static broker config joined with the dynamic configs
// stored in the metadata image (topic overrides, cluster-wide and per-broker broker configs).
// Describe answers come from src/config; alterations become Config records through the controller.
import {
  type AlterOp,
  type AlterResult,
  applyAlterConfigs,
  applyIncrementalOps,
  type BrokerConfig,
  type DescribedConfig,
  describeBrokerConfigs,
  describeTopicConfigs,
  type TopicConfig,
  validateTopicConfigs,
  withDynamicConfigs,
} from '../config/index.js';
import { configChangeRecords, topicNameProblem } from '../metadata/controller.js';
import { configKey, configsOf, type MetadataImage, ResourceType } from '../metadata/image.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ControllerService } from './controller/controller-service.js';
import type { ConfigEntry, ConfigService } from './handlers/services.js';

export interface AlterOutcome {
  errorCode: number;
  errorMessage: string | null;
}

export interface IncrementalOp {
  name: string;
  configOperation: number;
  value: string | null;
}

const OK: AlterOutcome = { errorCode: ErrorCode.NONE, errorMessage: null };
const TOPIC_CONFIGS_CACHED_MAX = 100_000;

/** Config maps of an image, by identity: replaying records replaces only the maps it changes. */
type ConfigMap = ReadonlyMap<string, string> | undefined;

export class BrokerConfigService implements ConfigService {
  private effective: BrokerConfig;
  private imageSeen: MetadataImage | null = null;
  private brokerMapsSeen: [ConfigMap, ConfigMap] | null = null;
  /** Topic configs as computed for the current broker config, with the overrides they were for. */
  private readonly topicConfigs = new Map<string, { overrides: ConfigMap; config: TopicConfig }>();

  constructor(
    private readonly base: BrokerConfig,
    private readonly controller: ControllerService,
  ) {
    this.effective = base;
  }

  /** The broker config with the dynamic broker configs of the current image applied. */
  get current(): BrokerConfig {
    const image = this.controller.image;
    if (image !== this.imageSeen) {
      this.imageSeen = image;
      const cluster = image.configs.get(configKey(ResourceType.Broker, ''));
      const broker = image.configs.get(configKey(ResourceType.Broker, String(this.base.nodeId)));
      const seen = this.brokerMapsSeen;
      // Most images change no broker config (a topic created, a producer id block): keep what was built.
      if (!seen || seen[0] !== cluster || seen[1] !== broker) {
        this.brokerMapsSeen = [cluster, broker];
        const loaded = withDynamicConfigs(this.base, {
          clusterDefaults: Object.fromEntries(cluster ?? []),
          perBroker: Object.fromEntries(broker ?? []),
        });
        this.effective = loaded.ok ? loaded.config : this.base;
        this.topicConfigs.clear();
      }
    }
    return this.effective;
  }

  /** The effective config of a topic (broker defaults plus its overrides), computed once per change. */
  topicConfig(topic: string): TopicConfig {
    const config = this.current;
    const overrides = this.controller.image.configs.get(configKey(ResourceType.Topic, topic));
    const known = this.topicConfigs.get(topic);
    if (known && known.overrides === overrides) return known.config;
    if (this.topicConfigs.size >= TOPIC_CONFIGS_CACHED_MAX) this.topicConfigs.clear();
    const computed = config.topicConfig(overrides ?? new Map());
    this.topicConfigs.set(topic, { overrides, config: computed });
    return computed;
  }

  /** First problem with a set of topic config entries, or null. */
  validateTopicConfigs(entries: ReadonlyMap<string, string>): string | null {
    const config = this.current;
    return validateTopicConfigs(entries, config.get)[0] ?? null;
  }

  describeTopic(
    topic: string,
    keys: readonly string[] | null,
    synonyms: boolean,
    documentation: boolean,
  ): ConfigEntry[] {
    const overrides = configsOf(this.controller.image, ResourceType.Topic, topic);
    return describeTopicConfigs(this.current, overrides, {
      names: keys ?? undefined,
      includeSynonyms: synonyms,
      includeDocumentation: documentation,
    }).map(toEntry);
  }

  describeBroker(
    brokerId: number,
    keys: readonly string[] | null,
    synonyms: boolean,
    documentation: boolean,
  ): ConfigEntry[] {
    const r = this.describeBrokerResource(String(brokerId), keys, synonyms, documentation);
    return r.ok ? r.entries : [];
  }

  describeBrokerResource(
    resourceName: string,
    keys: readonly string[] | null,
    synonyms: boolean,
    documentation: boolean,
  ) {
    const r = describeBrokerConfigs(this.current, resourceName, {
      names: keys ?? undefined,
      includeSynonyms: synonyms,
      includeDocumentation: documentation,
    });
    return r.ok ? { ok: true as const, entries: r.entries.map(toEntry) } : r;
  }

  /** IncrementalAlterConfigs for one resource. */
  incrementalAlter(
    resourceType: number,
    resourceName: string,
    ops: readonly IncrementalOp[],
    validateOnly: boolean,
  ): Promise<AlterOutcome> {
    return this.alterWith(resourceType, resourceName, validateOnly, (current, ctx) =>
      applyIncrementalOps(
        current,
        ops.map((o) => ({ name: o.name, op: o.configOperation as AlterOp['op'], value: o.value })),
        ctx,
      ),
    );
  }

  /** Legacy AlterConfigs for one resource: the given set replaces every override. */
  alter(
    resourceType: number,
    resourceName: string,
    configs: ReadonlyArray<{ name: string; value: string | null }>,
    validateOnly: boolean,
  ): Promise<AlterOutcome> {
    return this.alterWith(resourceType, resourceName, validateOnly, (_current, ctx) =>
      applyAlterConfigs(Object.fromEntries(configs.map((c) => [c.name, c.value])), ctx),
    );
  }

  private async alterWith(
    resourceType: number,
    resourceName: string,
    validateOnly: boolean,
    compute: (current: Record<string, string>, ctx: Parameters<typeof applyAlterConfigs>[1]) => AlterResult,
  ): Promise<AlterOutcome> {
    const target = this.resolveTarget(resourceType, resourceName);
    if ('errorCode' in target) return target;
    return this.controller.apply(
      (image) => {
        const current = Object.fromEntries(configsOf(image, resourceType, resourceName));
        const result = compute(current, {
          resource: target.resource,
          broker: this.current,
          otherBrokerLevel: target.other
            ? Object.fromEntries(configsOf(image, ResourceType.Broker, target.other))
            : undefined,
        });
        if (!result.ok) {
          const errorCode =
            result.errorKind === 'invalid-request' ? ErrorCode.INVALID_REQUEST : ErrorCode.INVALID_CONFIG;
          return { records: [], result: { errorCode, errorMessage: result.error } };
        }
        if (resourceType === ResourceType.Topic && !image.topicsByName.has(resourceName)) {
          return {
            records: [],
            result: {
              errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              errorMessage: `Topic ${resourceName} does not exist.`,
            },
          };
        }
        const records = validateOnly
          ? []
          : configChangeRecords(image, resourceType, resourceName, new Map(Object.entries(result.configs)));
        return { records, result: OK };
      },
      (nc) => ({ errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: nc.detail }),
    );
  }

  private resolveTarget(
    resourceType: number,
    resourceName: string,
  ): { resource: 'topic' | 'broker' | 'broker-default'; other?: string } | AlterOutcome {
    if (resourceType === ResourceType.Topic) {
      const problem = topicNameProblem(resourceName);
      return problem
        ? { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem }
        : { resource: 'topic' };
    }
    if (resourceType === ResourceType.Broker) {
      if (resourceName === '') return { resource: 'broker-default', other: String(this.base.nodeId) };
      // The active controller alters any broker's configs (brokers forward these requests to it).
      if (!/^\d+$/.test(resourceName)) {
        return {
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `Unexpected broker id, expected a broker id or empty string, but received ${resourceName}`,
        };
      }
      return { resource: 'broker', other: '' };
    }
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `Resource type ${resourceType} is not supported.`,
    };
  }
}

function toEntry(d: DescribedConfig): ConfigEntry {
  return {
    name: d.name,
    value: d.value,
    readOnly: d.readOnly,
    configSource: d.configSource,
    isSensitive: d.isSensitive,
    synonyms: d.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })),
    configType: d.configType,
    documentation: d.documentation,
    isDefault: d.isDefault,
  };
}
