// loadBrokerConfig: server.properties text (or file), KAFKA_* variables, --override arguments and
// Samsa's developer defaults, merged with Kafka's precedence and checked. Never throws.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type BrokerConfig, buildBrokerConfig, type LoadResult, withIdSynonyms } from './broker-config.js';
import { configsFromEnv } from './env.js';
import { parseProperties } from './properties.js';
import { classifyBrokerKey, suggestibleBrokerNames, suggestName } from './registry.js';
import { type ConfigLayers, EMPTY_LAYER, type Layer, pluginPrefixes, type RawEntry } from './resolve.js';
import type { ConfigDefinition } from './types.js';

export interface LoadOptions {
  /** server.properties content; when absent and fileName is given, the file is read. */
  text?: string;
  /** Name used in messages, and the file to read when `text` is absent. */
  fileName?: string;
  /** `key=value` strings as given to --override (later ones win), or a map. */
  overrides?: readonly string[] | Readonly<Record<string, string>>;
  /** The environment (pass process.env); only KAFKA_* variables are read. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values below the file, e.g. the developer defaults of `samsa server start`. */
  base?: Readonly<Record<string, string>>;
}

/** What `samsa server start` runs with when no file says otherwise. */
export const DEVELOPER_DEFAULTS: Readonly<Record<string, string>> = {
  'node.id': '1',
  listeners: 'PLAINTEXT://localhost:9092',
  'log.dirs': './data',
  'auto.create.topics.enable': 'true',
  'num.partitions': '1',
  'group.initial.rebalance.delay.ms': '0',
};

const DERIVED_LISTENERS = 'listeners derived from KAFKA_ADVERTISED_LISTENERS';

type Built = { ok: true; layer: Layer } | { ok: false; error: string };

function readText(
  options: LoadOptions,
): { ok: true; text: string | undefined } | { ok: false; error: string } {
  if (options.text !== undefined || options.fileName === undefined) return { ok: true, text: options.text };
  try {
    return { ok: true, text: readFileSync(options.fileName, 'utf8') };
  } catch (e) {
    return { ok: false, error: `Cannot read config file ${options.fileName}: ${(e as Error).message}` };
  }
}

function fileLayer(text: string | undefined, fileName: string | undefined): Built {
  if (text === undefined) return { ok: true, layer: EMPTY_LAYER };
  const where = fileName ? basename(fileName) : 'server.properties';
  const parsed = parseProperties(text);
  if (!parsed.ok) return { ok: false, error: `${where} line ${parsed.line}: ${parsed.error}` };
  const layer = new Map<string, RawEntry>();
  for (const e of parsed.entries) layer.set(e.key, { value: e.value, origin: `${where} line ${e.line}` });
  return { ok: true, layer };
}

function overrideLayer(overrides: LoadOptions['overrides']): Layer {
  const layer = new Map<string, RawEntry>();
  const pairs: [string, string][] = Array.isArray(overrides)
    ? overrides.map((arg: string) => {
        const eq = arg.indexOf('=');
        return eq < 0 ? [arg.trim(), ''] : [arg.slice(0, eq).trim(), arg.slice(eq + 1)];
      })
    : Object.entries(overrides ?? {});
  for (const [key, value] of pairs) layer.set(key, { value, origin: `--override ${key}` });
  return layer;
}

function baseLayer(base: LoadOptions['base']): Layer {
  const layer = new Map<string, RawEntry>();
  for (const [key, value] of Object.entries(base ?? {}))
    layer.set(key, { value, origin: `default ${key}=${value}` });
  return layer;
}

function unknownKeyMessage(key: string): string {
  const suggestion = suggestName(key, suggestibleBrokerNames());
  return `unknown configuration '${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`;
}

/** KAFKA_* variables; unknown keys are warnings, since the environment is shared with other programs. */
function envLayer(env: LoadOptions['env'], warnings: string[]): Layer {
  const layer = new Map<string, RawEntry>();
  for (const e of configsFromEnv(env ?? {})) {
    if (classifyBrokerKey(e.key).kind === 'unknown') {
      warnings.push(`environment variable ${e.variable} ignored: ${unknownKeyMessage(e.key)}`);
      continue;
    }
    const origin = e.derived ? DERIVED_LISTENERS : `environment variable ${e.variable}`;
    layer.set(e.key, { value: e.value, origin });
  }
  return layer;
}

function ignoredNote(def: ConfigDefinition): string | null {
  if (def.removedIn) return `${def.name} was removed in Kafka ${def.removedIn}; it is accepted and ignored`;
  if (!def.implemented)
    return `${def.name} is accepted but not used by Samsa${def.note ? ` (${def.note})` : ''}`;
  return null;
}

/** Rejects unknown keys; collects notes about keys that are accepted but ignored. */
function checkKeys(layers: ConfigLayers, notes: string[]): string | null {
  const prefixes = pluginPrefixes(layers);
  for (const layer of ['base', 'file', 'env', 'override'] as const) {
    for (const [key, entry] of layers[layer]) {
      const kind = classifyBrokerKey(key, prefixes);
      if (kind.kind === 'unknown') return `${entry.origin}: ${unknownKeyMessage(key)}`;
      if (kind.kind === 'pass-through') notes.push(`${key} is kept for plugins and not used by Samsa`);
      else {
        const note = ignoredNote(kind.definition);
        if (note) notes.push(note);
      }
    }
  }
  return null;
}

/**
 * Loads the broker configuration. Precedence, lowest first: Kafka's defaults, `base`, the file, KAFKA_*
 * variables, `overrides` (the order of the apache/kafka image, which appends the variables to the file,
 * and of kafka-server-start.sh, whose --override args win). Returns one readable line on failure.
 */
export function loadBrokerConfig(options: LoadOptions = {}): LoadResult {
  const text = readText(options);
  if (!text.ok) return text;
  const file = fileLayer(text.text, options.fileName);
  if (!file.ok) return file;
  const notes: string[] = [];
  const warnings: string[] = [];
  const layers = withIdSynonyms({
    base: baseLayer(options.base),
    file: file.layer,
    env: envLayer(options.env, warnings),
    override: overrideLayer(options.overrides),
    dynamicCluster: EMPTY_LAYER,
    dynamicBroker: EMPTY_LAYER,
  });
  const keyError = checkKeys(layers, notes);
  if (keyError) return { ok: false, error: keyError };
  const built = buildBrokerConfig(layers, [...new Set(notes)], warnings);
  const derived =
    layers.env.get('listeners')?.origin === DERIVED_LISTENERS && !layers.override.has('listeners');
  if (built.ok || !derived) return built;
  const hint =
    'listeners were derived from KAFKA_ADVERTISED_LISTENERS as the apache/kafka image does; set KAFKA_LISTENERS too';
  return { ok: false, error: `${built.error} (${hint})` };
}

export type { BrokerConfig, LoadResult };
