#!/usr/bin/env node
// kafka-storage.sh: random-uuid, format and info, as Kafka's tool. Samsa formats log dirs on first
// start by itself, so `format` is only needed to choose the cluster id up front.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureMetaProperties, parseMetaProperties, randomClusterId } from '../../broker/meta-properties.js';
import { loadBrokerConfig } from '../../config/index.js';
import type { MetadataRecord } from '../../metadata/records.js';
import { scramRecords } from '../lib/add-scram.js';

const USAGE = `usage: kafka-storage.sh {info,format,random-uuid} ...

  random-uuid                         print a new random cluster id
  format -t CLUSTER_ID -c CONFIG      write meta.properties in every log dir of the config
         [--ignore-formatted] [--standalone]
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
  const scram = scramRecords(values['add-scram'] ?? []);
  if (typeof scram === 'string') return fail(`kafka-storage.sh: ${scram}`);
  for (const dir of loaded.config.logDirs) {
    let existing: string | null = null;
    try {
      existing = readFileSync(`${dir}/meta.properties`, 'utf8');
    } catch {}
    if (existing !== null && !values['ignore-formatted']) {
      return fail(
        `Log directory ${dir} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`,
      );
    }
    if (existing !== null) continue;
    const r = await ensureMetaProperties(dir, loaded.config.nodeId, clusterId);
    if (!r.ok) return fail(`kafka-storage.sh: ${r.error}`);
    console.log(`Formatting ${dir} with metadata.version 3.9-IV0.`);
  }
  if (scram.length > 0)
    await bootstrapRecords(loaded.config.metadataLogDir || loaded.config.logDirs[0], scram);
  return 0;
}

/** Records a new cluster starts with, written at the start of its metadata log. */
async function bootstrapRecords(dir: string, records: MetadataRecord[]): Promise<void> {
  const { LocalMetadataLog } = await import('../../broker/raft-io/local-metadata-log.js');
  const { RealFileSystem } = await import('../../storage/index.js');
  const log = await LocalMetadataLog.open(dir, new RealFileSystem(), Date.now);
  await log.load();
  await log.append(records);
  await log.close();
}

function info(args: string[]): number {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: true });
  const loaded = loadConfig(values.config);
  if (!loaded.ok) return fail(loaded.error);
  for (const dir of loaded.config.logDirs) {
    try {
      const meta = parseMetaProperties(readFileSync(`${dir}/meta.properties`, 'utf8'));
      console.log(
        `Found log directory:\n  ${dir}\n\nFound metadata: {cluster.id=${meta.clusterId}, node.id=${meta.nodeId}, version=1}`,
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
