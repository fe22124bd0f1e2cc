// Shapes shared by the definitions, the loader, topic resolution and DescribeConfigs.

/** Kafka's config types (ConfigDef.Type), in Kafka's spelling. */
export type ConfigType =
  | 'boolean'
  | 'string'
  | 'int'
  | 'short'
  | 'long'
  | 'double'
  | 'list'
  | 'class'
  | 'password';

export type Importance = 'high' | 'medium' | 'low';

/**
 * Whether a broker key can change while the broker runs (IncrementalAlterConfigs on a BROKER resource):
 * `per-broker` only for one broker id, `cluster-wide` for one broker or as the cluster default.
 */
export type DynamicUpdateMode = 'read-only' | 'per-broker' | 'cluster-wide';

/** A parsed value: numbers for int/short/long/double, strings for string/class/password, lists of strings. */
export type ConfigValue = boolean | number | string | readonly string[] | null;

/** A check run on a parsed value; returns Kafka's reason text when the value is not acceptable. */
export type Validator =
  | { readonly kind: 'range'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'one-of'; readonly values: readonly string[]; readonly caseInsensitive?: boolean }
  | { readonly kind: 'list-of'; readonly values: readonly string[] }
  | { readonly kind: 'non-empty' }
  | { readonly kind: 'custom'; readonly check: (value: ConfigValue, name: string) => string | null };

export interface ConfigDefinition {
  readonly name: string;
  readonly type: ConfigType;
  /** Kafka's default, written as Kafka prints it (DescribeConfigs); null when the default is no value. */
  readonly defaultText: string | null;
  readonly validator?: Validator;
  readonly importance: Importance;
  /** True when Samsa's broker uses the key; false when it is accepted, checked and otherwise ignored. */
  readonly implemented: boolean;
  readonly dynamic: DynamicUpdateMode;
  /** Short documentation, in Samsa's words. */
  readonly doc: string;
  /** Kafka defines it as internal: not listed by DescribeConfigs unless it is set. */
  readonly internal?: boolean;
  /** Samsa's own key, unknown to Kafka: not listed by DescribeConfigs unless it is set. */
  readonly samsa?: boolean;
  /** Read by Kafka outside KafkaConfig (authorizer, dynamic-only quotas): listed only when it is set. */
  readonly unlisted?: boolean;
  /** Known to Kafka 3.9 but removed in this release: accepted and ignored, listed only when set. */
  readonly removedIn?: string;
  /** Kafka 3.9's default where 4.0 changed it (the defaultText is 4.0's). */
  readonly kafka39Default?: string | null;
  /** Why Samsa ignores it, or how Samsa's behaviour differs. */
  readonly note?: string;
}

/** A broker key a topic config falls back to; `unit` converts the broker value to milliseconds. */
export interface TopicSynonym {
  readonly name: string;
  readonly unit?: 'hours' | 'minutes';
}

export interface TopicConfigDefinition extends ConfigDefinition {
  /** Broker keys that provide this topic config's default, highest priority first. */
  readonly synonyms: readonly TopicSynonym[];
}

/** Where a value came from, from lowest to highest precedence. */
export type ValueSource =
  | 'default'
  | 'base'
  | 'file'
  | 'env'
  | 'override'
  | 'dynamic-cluster'
  | 'dynamic-broker'
  | 'topic';

/** DescribeConfigsResponse ConfigSource codes. */
export const ConfigSourceCode = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;

/** DescribeConfigsResponse ConfigType codes. */
export const ConfigTypeCode: Readonly<Record<ConfigType | 'unknown', number>> = {
  unknown: 0,
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
};

/** The Kafka source code of each ValueSource. */
export function sourceCode(source: ValueSource): number {
  switch (source) {
    case 'default':
      return ConfigSourceCode.DEFAULT_CONFIG;
    case 'dynamic-cluster':
      return ConfigSourceCode.DYNAMIC_DEFAULT_BROKER_CONFIG;
    case 'dynamic-broker':
      return ConfigSourceCode.DYNAMIC_BROKER_CONFIG;
    case 'topic':
      return ConfigSourceCode.DYNAMIC_TOPIC_CONFIG;
    default:
      return ConfigSourceCode.STATIC_BROKER_CONFIG;
  }
}
