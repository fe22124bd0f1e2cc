#!/usr/bin/env node
// kafka-storage.sh: random-uuid, format and info, as Kafka's StorageTool. `format` writes meta.properties
// in every log dir, the bootstrap feature levels, and for a dynamic quorum (KIP-853) the initial voters:
// --standalone (this controller alone), --initial-controllers id@host:port:dirId,... or
// --no-initial-controllers (a controller that joins later with kafka-metadata-quorum.sh add-controller);
// --add-scram credentials go in the bootstrap records, written to the log by the first active controller.
// A single node of its own may skip this: Samsa formats such a node on its first start.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseMetaProperties, randomClusterId } from '../../broker/meta-properties.js';
import { formatStorage, parseInitialControllers, standaloneController } from '../../broker/storage-format.js';
import { loadBrokerConfig } from '../../config/index.js';
import { scramRecords } from '../lib/add-scram.js';

const USAGE = `usage: kafka-storage.sh {info,format,random-uuid} ...

  random-uuid                         print a new random cluster id
  format -t CLUSTER_ID -c CONFIG      write meta.properties in every log dir of the config
         [--ignore-formatted] [--release-version VERSION] [--feature NAME=LEVEL]...
         [--standalone | --initial-controllers ID@HOST:PORT:DIRID,... | --no-initial-controllers]
         [--add-scram 'SCRAM-SHA-256=[name=alice,password=alice-secret]']...
  info -c CONFIG                      show the state of the log dirs of the config`;

function fail(message: string): number {
  console.error(message);
  return 1;
}

function loadConfig(file: string | undefined) {
  if (!file) return { ok: false as const, error: 'kafka-storage.sh: --config (-c) is required' };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return {
      ok: false as const,
      error: `kafka-storage.sh: cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`,
    };
  }
  return loadBrokerConfig({ text, fileName: file, env: {} });
}

function parseFeatures(items: readonly string[]): Map<string, number> | string {
  const out = new Map<string, number>();
  for (const item of items) {
    const m = /^([a-z._]+)=(\d+)$/.exec(item.trim());
    if (!m) return `Can't parse feature=level string ${item}: expected NAME=LEVEL`;
    out.set(m[1], Number(m[2]));
  }
  return out;
}

async function format(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      'cluster-id': { type: 'string', short: 't' },
      'ignore-formatted': { type: 'boolean', short: 'g' },
      standalone: { type: 'boolean', short: 's' },
      'release-version': { type: 'string', short: 'r' },
      feature: { type: 'string', short: 'f', multiple: true },
      'initial-controllers': { type: 'string', short: 'I' },
      'no-initial-controllers': { type: 'boolean', short: 'N' },
      'add-scram': { type: 'string', short: 'S', multiple: true },
    },
    strict: true,
  });
  const clusterId = values['cluster-id'];
  if (!clusterId)
    return fail(
      'kafka-storage.sh: format needs --cluster-id (-t); get one with kafka-storage.sh random-uuid',
    );
  if (!/^[A-Za-z0-9_-]{22}$/.test(clusterId))
    return fail(`kafka-storage.sh: cluster id '${clusterId}' is not a 22-character base64 UUID`);
  const loaded = loadConfig(values.config);
  if (!loaded.ok) return fail(loaded.error);
  const config = loaded.config;
  if (config.standalone)
    return fail(
      'The kafka configuration file appears to be for a legacy cluster. Formatting is only supported for clusters in KRaft mode.',
    );
  const chosen = [
    values.standalone,
    values['initial-controllers'] !== undefined,
    values['no-initial-controllers'],
  ].filter(Boolean);
  if (chosen.length > 1)
    return fail('Only one of --standalone, --initial-controllers and --no-initial-controllers may be given.');
  if (chosen.length > 0 && config.controllerQuorumVoters.length > 0)
    return fail(
      'You cannot use --standalone, --initial-controllers or --no-initial-controllers when controller.quorum.voters is set.',
    );
  let initialControllers = null;
  const listenerName = config.controllerListenerNames[0] ?? 'CONTROLLER';
  if (values.standalone) {
    const self = standaloneController(config, randomClusterId());
    if (typeof self === 'string') return fail(self);
    initialControllers = [self];
  } else if (values['initial-controllers'] !== undefined) {
    const parsed = parseInitialControllers(values['initial-controllers'], listenerName);
    if (typeof parsed === 'string') return fail(parsed);
    initialControllers = parsed;
  } else if (
    !values['no-initial-controllers'] &&
    config.processRoles.includes('controller') &&
    config.controllerQuorumVoters.length === 0
  ) {
    return fail(
      'Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.',
    );
  }
  const scram = scramRecords(values['add-scram'] ?? []);
  if (typeof scram === 'string') return fail(`kafka-storage.sh: ${scram}`);
  const features = parseFeatures(values.feature ?? []);
  if (typeof features === 'string') return fail(features);
  const r = await formatStorage({
    config,
    clusterId,
    ignoreFormatted: values['ignore-formatted'] === true,
    releaseVersion: values['release-version'],
    features,
    initialControllers,
    bootstrapRecords: scram,
    print: (line) => console.log(line),
  });
  return r.ok ? 0 : fail(r.error);
}

function info(args: string[]): number {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: true });
  const loaded = loadConfig(values.config);
  if (!loaded.ok) return fail(loaded.error);
  for (const dir of loaded.config.logDirs) {
    try {
      const meta = parseMetaProperties(readFileSync(`${dir}/meta.properties`, 'utf8'));
      console.log(
        `Found log directory:\n  ${dir}\n\nFound metadata: {cluster.id=${meta.clusterId}, directory.id=${meta.directoryId}, node.id=${meta.nodeId}, version=1}`,
      );
    } catch {
      console.log(`Found problem:\n  ${dir} is not formatted.`);
    }
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'random-uuid') {
      console.log(randomClusterId());
      return 0;
    }
    if (command === 'format') return await format(rest);
    if (command === 'info') return info(rest);
  } catch (err) {
    return fail(`kafka-storage.sh: ${(err as Error).message}`);
  }
  if (command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  return fail(command ? `kafka-storage.sh: unknown command '${command}'\n${USAGE}` : USAGE);
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
