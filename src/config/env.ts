// KAFKA_* environment variables, mapped to keys exactly as the apache/kafka container image does
// (KafkaDockerWrapper.getServerConfigsFromEnv): drop "KAFKA_", lower-case, then `_` → `.`,
// `...` → `-`, `..` → `_`. So KAFKA_LOG_DIRS is log.dirs, KAFKA_LISTENER_NAME_EXTERNAL_SSL__KEY is
// listener.name.external.ssl_key, KAFKA_A___B is a-b.
//
// The image appends these to server.properties, so they win over the file; --override still wins over
// both. Like the image's `configure` script, when KAFKA_LISTENERS is unset and KAFKA_ADVERTISED_LISTENERS
// is set (on a node that is not only a controller), listeners become the advertised ones with every host
// replaced by 0.0.0.0.

/** KAFKA_* variables that configure the launch scripts or the image, not the broker. */
const NOT_CONFIGS = new Set([
  // excluded by the image itself
  'KAFKA_VERSION',
  'KAFKA_HEAP_OPTS',
  'KAFKA_LOG4J_OPTS',
  'KAFKA_OPTS',
  'KAFKA_JMX_OPTS',
  'KAFKA_JVM_PERFORMANCE_OPTS',
  'KAFKA_GC_LOG_OPTS',
  'KAFKA_LOG4J_ROOT_LOGLEVEL',
  'KAFKA_LOG4J_LOGGERS',
  'KAFKA_TOOLS_LOG4J_LOGLEVEL',
  'KAFKA_JMX_HOSTNAME',
  // read by kafka-run-class.sh and the image's scripts
  'KAFKA_JMX_PORT',
  'KAFKA_DEBUG',
  'KAFKA_MODE',
  'KAFKA_LOG4J_CMD_OPTS',
  'KAFKA_HOME',
  'KAFKA_STREAMS_TEST_VERSION',
  'KAFKA_SSL_KEYSTORE_FILENAME',
  'KAFKA_SSL_KEYSTORE_CREDENTIALS',
  'KAFKA_SSL_KEY_CREDENTIALS',
  'KAFKA_SSL_TRUSTSTORE_FILENAME',
  'KAFKA_SSL_TRUSTSTORE_CREDENTIALS',
]);

/** No broker key starts with jmx. or log4j.; such variables belong to the launch scripts. */
const NOT_CONFIG_PREFIX = /^KAFKA_(JMX|LOG4J)_/;

export interface EnvEntry {
  key: string;
  value: string;
  /** The variable it came from (KAFKA_ADVERTISED_LISTENERS for derived listeners). */
  variable: string;
  /** True for listeners derived from KAFKA_ADVERTISED_LISTENERS. */
  derived?: boolean;
}

/** The config key a KAFKA_* variable sets, or null when the variable is not a config. */
export function envVariableToKey(variable: string): string | null {
  if (!variable.startsWith('KAFKA_') || NOT_CONFIGS.has(variable) || NOT_CONFIG_PREFIX.test(variable))
    return null;
  const key = variable
    .replaceAll('KAFKA_', '')
    .toLowerCase()
    .replaceAll('_', '.')
    .replaceAll('...', '-')
    .replaceAll('..', '_');
  return key === '' ? null : key;
}

/** The variable name that sets a key (the inverse mapping), e.g. log.dirs → KAFKA_LOG_DIRS. */
export function keyToEnvVariable(key: string): string {
  return `KAFKA_${key.replaceAll('_', '__').replaceAll('-', '___').replaceAll('.', '_').toUpperCase()}`;
}

/** The configs set by KAFKA_* variables, sorted by variable name. */
export function configsFromEnv(env: Readonly<Record<string, string | undefined>>): EnvEntry[] {
  const out: EnvEntry[] = [];
  for (const variable of Object.keys(env).sort()) {
    const value = env[variable];
    const key = envVariableToKey(variable);
    if (key !== null && value !== undefined) out.push({ key, value, variable });
  }
  const advertised = env.KAFKA_ADVERTISED_LISTENERS;
  const controllerOnly = env.KAFKA_PROCESS_ROLES === 'controller';
  if (!env.KAFKA_LISTENERS && advertised && !controllerOnly) {
    const listeners = advertised.replace(/:\/\/[^:]*:/g, '://0.0.0.0:');
    out.push({ key: 'listeners', value: listeners, variable: 'KAFKA_ADVERTISED_LISTENERS', derived: true });
  }
  return out;
}
