// The public surface of src/config.

export {
  type AlterContext,
  type AlterOp,
  AlterOpType,
  type AlterResource,
  type AlterResult,
  applyAlterConfigs,
  applyIncrementalOps,
} from './alter.js';
export type { NetworkSettings, ProcessRole } from './broker-checks.js';
export type { BrokerConfig, BrokerSettings, LoadResult, LogLevel } from './broker-config.js';
export {
  type ConfigSynonymEntry,
  checkDescribeBrokerName,
  type DescribedConfig,
  type DescribeOptions,
  type DescribeResult,
  describeBrokerConfigs,
  describeTopicConfigs,
} from './describe.js';
export { checkDynamicBrokerConfigs, type DynamicBrokerConfigs, withDynamicConfigs } from './dynamic.js';
export { configsFromEnv, type EnvEntry, envVariableToKey, keyToEnvVariable } from './env.js';
export type { HostPort, Listener, QuorumVoter, SecurityProtocol } from './listeners.js';
export { DEVELOPER_DEFAULTS, type LoadOptions, loadBrokerConfig } from './load.js';
export { LOG_COMPONENTS, LOG_LEVELS, type LogLevels, parseLogLevels } from './log-level.js';
export { type PropertiesResult, type PropertyEntry, parseProperties } from './properties.js';
export { BROKER_CONFIGS, brokerSynonyms, classifyBrokerKey, suggestName, TOPIC_CONFIGS } from './registry.js';
export type { ConfigLayers, RawEntry, ResolvedValue } from './resolve.js';
export {
  type CompressionType,
  type TopicConfig,
  type TopicEntries,
  type TopicValue,
  validateTopicConfigs,
} from './topic-config.js';
export {
  type ConfigDefinition,
  ConfigSourceCode,
  type ConfigType,
  ConfigTypeCode,
  type ConfigValue,
  type DynamicUpdateMode,
  type TopicConfigDefinition,
  type ValueSource,
} from './types.js';
