#!/usr/bin/env node
import { METADATA_VERSION, metadataVersionLevel, metadataVersionName } from '../../metadata/features.js';
import { errorInfo } from '../../protocol/errors.js';
// kafka-features.sh: `describe` the cluster's features (supported ranges and finalized levels, from
// ApiVersions), `upgrade` / `downgrade` feature levels (UpdateFeatures, --metadata as a release name
// or --feature name=level, --dry-run), with Kafka's output lines.
import { CommandError, type OptionSpec, UsageError } from '../args.js';
import { parseKafkaArgs } from '../lib/kafka-tool.js';
import { type QuorumClient, quorumClientOf } from '../lib/quorum-client.js';
import { println, runTool } from '../tool.js';

const NAME = 'kafka-features.sh';
const API_VERSIONS = 18;
const UPDATE_FEATURES = 57;

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: host:port',
    help: 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster.',
  },
  {
    name: 'bootstrap-controller',
    arg: 'required',
    argName: 'String: host:port',
    help: 'A comma-separated list of host:port pairs to use for establishing the connection to the KRaft controllers.',
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'String: file',
    help: 'Property file containing configs to be passed to Admin Client.',
  },
  {
    name: 'metadata',
    arg: 'required',
    argName: 'String: version',
    help: 'upgrade/downgrade: the level to which we should set the metadata.version feature (3.3-IV3, 4.0, ...).',
  },
  {
    name: 'release-version',
    arg: 'required',
    argName: 'String: version',
    help: 'upgrade/downgrade: the release version to set features to.',
  },
  {
    name: 'feature',
    arg: 'required',
    argName: 'String: name=level',
    help: 'upgrade/downgrade: a feature upgrade we should perform, in feature=level format (repeatable).',
  },
  { name: 'dry-run', help: 'upgrade/downgrade: validate this operation, but do not perform it.' },
  { name: 'unsafe', help: 'downgrade: perform this downgrade even if it may irreversibly destroy metadata.' },
];

const SUMMARY = `This tool manages feature flags in Kafka.
Usage: ${NAME} (--bootstrap-server HOST:PORT | --bootstrap-controller HOST:PORT) {describe | upgrade | downgrade} ...`;

function levelText(feature: string, level: number): string {
  return feature === METADATA_VERSION ? metadataVersionName(level) : String(level);
}

async function describe(client: QuorumClient): Promise<void> {
  const conn = await client.any();
  const r = await client.send<{
    supportedFeatures?: { name?: string; minVersion?: number; maxVersion?: number }[];
    finalizedFeaturesEpoch?: number;
    finalizedFeatures?: { name?: string; maxVersionLevel?: number }[];
  }>(conn, API_VERSIONS, { clientSoftwareName: 'samsa-features', clientSoftwareVersion: '0.1.0' });
  const finalized = new Map((r.finalizedFeatures ?? []).map((f) => [f.name ?? '', f.maxVersionLevel ?? 0]));
  const epoch =
    r.finalizedFeaturesEpoch !== undefined && r.finalizedFeaturesEpoch >= 0
      ? String(r.finalizedFeaturesEpoch)
      : '-';
  for (const f of [...(r.supportedFeatures ?? [])].sort((a, b) =>
    (a.name ?? '').localeCompare(b.name ?? ''),
  )) {
    const name = f.name ?? '';
    println(
      `Feature: ${name}\tSupportedMinVersion: ${levelText(name, f.minVersion ?? 0)}\tSupportedMaxVersion: ${levelText(name, f.maxVersion ?? 0)}\tFinalizedVersionLevel: ${levelText(name, finalized.get(name) ?? 0)}\tEpoch: ${epoch}`,
    );
  }
}

async function update(
  client: QuorumClient,
  op: 'upgrade' | 'downgrade',
  updates: Map<string, number>,
  dryRun: boolean,
  unsafe: boolean,
): Promise<number> {
  if (updates.size === 0) throw new CommandError(`You must specify at least one feature to ${op}`);
  const conn = await client.forController();
  const upgradeType = op === 'upgrade' ? 1 : unsafe ? 3 : 2;
  const r = await client.send<{
    errorCode: number;
    errorMessage: string | null;
    results?: { feature: string; errorCode: number; errorMessage: string | null }[];
  }>(conn, UPDATE_FEATURES, {
    timeoutMs: 30_000,
    featureUpdates: [...updates].map(([feature, maxVersionLevel]) => ({
      feature,
      maxVersionLevel,
      allowDowngrade: op === 'downgrade',
      upgradeType,
    })),
    validateOnly: dryRun,
  });
  let failures = 0;
  for (const [feature, level] of [...updates].sort()) {
    const res = r.results?.find((x) => x.feature === feature);
    const code = res?.errorCode ?? r.errorCode;
    if (code !== 0) {
      failures++;
      println(
        `${dryRun ? 'Can not' : 'Could not'} ${op} ${feature} to ${level}. ${res?.errorMessage ?? r.errorMessage ?? errorInfo(code).message}`,
      );
    } else println(`${feature}${dryRun ? ' can be ' : ' was '}${op}d to ${level}.`);
  }
  if (failures > 0) throw new CommandError(`${failures} out of ${updates.size} operation(s) failed.`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY, true);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  const client = quorumClientOf(args);
  const command = args.positionals[0];
  try {
    if (command === 'describe') {
      await describe(client);
      return 0;
    }
    if (command !== 'upgrade' && command !== 'downgrade')
      throw new UsageError(
        command ? `unknown command '${command}'` : 'a command is needed: describe, upgrade or downgrade',
      );
    const updates = new Map<string, number>();
    const mv = args.get('metadata') ?? args.get('release-version');
    if (mv !== undefined) {
      const level = metadataVersionLevel(mv);
      if (level === null) throw new CommandError(`Unsupported metadata.version ${mv}`);
      updates.set(METADATA_VERSION, level);
    }
    for (const f of args.values.get('feature') ?? []) {
      const m = /^([^=]+)=(\d+)$/.exec(f ?? '');
      if (!m) throw new CommandError(`Can't parse feature=level string ${f}`);
      updates.set(m[1], Number(m[2]));
    }
    return await update(client, command, updates, args.has('dry-run'), args.has('unsafe'));
  } finally {
    client.close();
  }
}

runTool(NAME, main, { errorPrefix: '' });
