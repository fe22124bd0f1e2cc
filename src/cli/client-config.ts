// Client settings for the tools: Kafka's properties files (--command-config, --producer.config,
// --consumer.config), `key=value` flags (--producer-property, -X), and the mapping of Java client
// keys onto Samsa's client. Keys that only mean something to the Java client (serializers, socket
// buffer sizes, JMX reporters) are dropped with a warning; TLS and SASL settings are refused, since
// the client speaks plaintext only; any other unknown key reaches the client, which names it and
// suggests the closest known key.
import { readFileSync } from 'node:fs';
import { parseProperties } from '../config/properties.js';
import { UsageError } from './args.js';
import { eprintln } from './tool.js';

export type Props = Record<string, string>;

/** Reads a Java .properties file; a missing or malformed file is a UsageError naming it. */
export function loadProps(file: string, flag: string): Props {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)}`,
    );
  }
  const parsed = parseProperties(text);
  if (!parsed.ok) throw new UsageError(`${flag} ${file}: line ${parsed.line}: ${parsed.error}`);
  const out: Props = {};
  for (const e of parsed.entries) out[e.key] = e.value;
  return out;
}

/** `key=value` arguments (the value may contain '='); `key` alone means an empty value, as in Kafka. */
export function parseKeyValues(list: readonly string[], flag: string): Props {
  const out: Props = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    if (key === '') throw new UsageError(`${flag} '${item}': expected key=value`);
    out[key] = eq < 0 ? '' : item.slice(eq + 1);
  }
  return out;
}

/** Java client keys with no meaning for Samsa's client; dropped (with a warning unless harmless). */
const IGNORED_SILENTLY = new Set([
  'key.serializer',
  'value.serializer',
  'key.deserializer',
  'value.deserializer',
]);
const IGNORED_WITH_WARNING = new Set([
  'send.buffer.bytes',
  'receive.buffer.bytes',
  'client.dns.lookup',
  'interceptor.classes',
  'metric.reporters',
  'metrics.num.samples',
  'metrics.recording.level',
  'metrics.sample.window.ms',
  'auto.include.jmx.reporter',
  'enable.metrics.push',
  'socket.connection.setup.timeout.max.ms',
  'exclude.internal.topics',
  'group.protocol',
  'group.remote.assignor',
  'internal.leave.group.on.close',
  'compression.gzip.level',
  'compression.lz4.level',
  'compression.zstd.level',
  'partitioner.class',
  'partitioner.adaptive.partitioning.enable',
  'partitioner.availability.timeout.ms',
  'transaction.timeout.ms',
  'max.partition.fetch.bytes.config',
]);

/** The TLS and SASL keys Samsa's client reads (the Java client's names). */
const SECURITY_KEYS = new Set([
  'ssl.truststore.location',
  'ssl.truststore.type',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
  'ssl.keystore.location',
  'ssl.keystore.type',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.keystore.certificate.chain',
  'ssl.keystore.key',
  'ssl.endpoint.identification.algorithm',
  'sasl.mechanism',
  'sasl.username',
  'sasl.password',
  'sasl.jaas.config',
]);

/**
 * The settings a Samsa client takes from Kafka client properties: security.protocol, the ssl.* and
 * sasl.* keys it reads (others, such as Java's key manager algorithms or Kerberos keys, are refused
 * rather than ignored, so a command never runs with less security than the user asked for), and the
 * rest of the client settings.
 */
export function clientSettings(props: Props, warn: (text: string) => void = warnLine): Props {
  const out: Props = {};
  for (const [key, value] of Object.entries(props)) {
    if (key === 'security.protocol') {
      const protocol = value.trim().toUpperCase();
      if (!['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(protocol))
        throw new UsageError(
          `security.protocol=${value}: expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL`,
        );
      out[key] = protocol;
      continue;
    }
    if (key === 'sasl.mechanisms') {
      out['sasl.mechanism'] = value.trim();
      continue;
    }
    if (key.startsWith('ssl.') || key.startsWith('sasl.')) {
      if (SECURITY_KEYS.has(key)) out[key] = value;
      else if (JAVA_ONLY_SECURITY_KEYS.has(key))
        warn(`WARN: ignoring ${key}=${value}: Node's TLS chooses this itself`);
      else throw new UsageError(`${key}: Samsa's client does not support this setting`);
      continue;
    }
    if (IGNORED_SILENTLY.has(key)) continue;
    if (IGNORED_WITH_WARNING.has(key)) {
      warn(`WARN: ignoring ${key}=${value}: Samsa's client has no such setting`);
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** Java TLS settings with no meaning for Node's TLS (it picks its own providers and algorithms). */
const JAVA_ONLY_SECURITY_KEYS = new Set([
  'ssl.keymanager.algorithm',
  'ssl.trustmanager.algorithm',
  'ssl.secure.random.implementation',
  'ssl.provider',
  'ssl.protocol',
  'ssl.enabled.protocols',
  'ssl.cipher.suites',
  'ssl.engine.factory.class',
]);

function warnLine(text: string): void {
  eprintln(text);
}

/** Default timeout of one admin call in the tools: long enough for a busy broker, short for a typo. */
export const TOOL_API_TIMEOUT_MS = 10_000;

/** Admin settings: defaults for tools, then the user's properties, then the bootstrap servers. */
export function adminSettings(bootstrap: string, props: Props, clientId = 'samsa-tools'): Props {
  return {
    'client.id': clientId,
    'default.api.timeout.ms': String(TOOL_API_TIMEOUT_MS),
    'request.timeout.ms': String(TOOL_API_TIMEOUT_MS),
    ...clientSettings(props),
    'bootstrap.servers': bootstrap,
  };
}

/** `host:port[,host:port]` checked the way Kafka's tools check --bootstrap-server. */
export function checkBootstrap(value: string | undefined, flag = '--bootstrap-server'): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`Missing required argument "${flag}"`);
  for (const part of value.split(',')) {
    const s = part.trim();
    if (!/^(\[[^\]]+\]|[^:\s]+):\d{1,5}$/.test(s.replace(/^[a-z]+:\/\//i, ''))) {
      throw new UsageError(`${flag} '${s}' is not host:port`);
    }
  }
  return value;
}
