// Formatting a node's log dirs, as `kafka-storage.sh format` does (Kafka's Formatter): meta.properties
// (cluster id, node id, a directory id) in every log dir; in the metadata log dir `bootstrap.checkpoint`
// with the cluster's initial feature levels; and, for a dynamic quorum (KIP-853), the bootstrap snapshot
// `__cluster_metadata-0/00000000000000000000-0000000000.checkpoint` holding the initial voters. Samsa
// runs the same code when it formats a single node on its first start.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrokerConfig } from '../config/index.js';
import {
  LATEST_METADATA_VERSION,
  METADATA_VERSION,
  metadataVersionLevel,
  metadataVersionName,
  SUPPORTED_FEATURES,
} from '../metadata/features.js';
import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataRecord,
  record,
} from '../metadata/records.js';
import { buildBatch } from '../protocol/records/index.js';
import { ensureMetaProperties, parseMetaProperties, randomClusterId } from './meta-properties.js';
import { decodeSnapshotFile, encodeSnapshotFile, recordValues } from './raft-io/log-records.js';
import { METADATA_TOPIC, snapshotFileName } from './raft-io/metadata-log-store.js';
import { VoterDirectory, type VoterInfo } from './raft-io/voter-directory.js';

export const BOOTSTRAP_CHECKPOINT = 'bootstrap.checkpoint';

export interface FormatOptions {
  config: BrokerConfig;
  clusterId: string;
  ignoreFormatted: boolean;
  /** --release-version: a metadata.version name (4.0, 3.9-IV0, ...). */
  releaseVersion?: string;
  /** --feature name=level */
  features?: ReadonlyMap<string, number>;
  /** The voters of a dynamic quorum (--standalone or --initial-controllers); null: none. */
  initialControllers: readonly VoterInfo[] | null;
  /** Further records the cluster starts with (--add-scram: UserScramCredentialRecords). */
  bootstrapRecords?: readonly MetadataRecord[];
  print: (line: string) => void;
}

export type FormatResult = { ok: true } | { ok: false; error: string };

/** Parses --initial-controllers: `id@host:port:directoryId,...`. */
export function parseInitialControllers(text: string, listenerName: string): VoterInfo[] | string {
  const out: VoterInfo[] = [];
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)@(.+):(\d+):([A-Za-z0-9_-]{22})$/.exec(entry);
    if (!m) return `Unable to parse '${entry}' in --initial-controllers: expected id@host:port:directoryId`;
    const id = Number(m[1]);
    if (out.some((v) => v.id === id))
      return `Node id ${id} was specified more than once in --initial-controllers`;
    out.push({
      id,
      directoryId: m[4],
      endpoints: [{ name: listenerName, host: m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]) }],
    });
  }
  return out.length > 0 ? out : 'No voters given in --initial-controllers';
}

/** --standalone: this controller alone, at its first advertised controller listener. */
export function standaloneController(config: BrokerConfig, directoryId: string): VoterInfo | string {
  if (!config.processRoles.includes('controller')) return 'You can only use --standalone on a controller.';
  const name = config.controllerListenerNames[0];
  const advertised = config.advertisedListeners.find((l) => l.name === name) ?? config.controllerListeners[0];
  if (!advertised) return 'No controller listeners found.';
  return {
    id: config.nodeId,
    directoryId,
    endpoints: [{ name: advertised.name, host: advertised.host || 'localhost', port: advertised.port }],
  };
}

/** The feature levels a new cluster starts with. */
export function bootstrapFeatures(
  o: Pick<FormatOptions, 'releaseVersion' | 'features'>,
): Map<string, number> | string {
  const levels = new Map<string, number>();
  let mv = LATEST_METADATA_VERSION;
  if (o.releaseVersion !== undefined) {
    const level = metadataVersionLevel(o.releaseVersion);
    if (level === null) return `Unknown metadata.version ${o.releaseVersion}`;
    mv = level;
  }
  for (const f of SUPPORTED_FEATURES) levels.set(f.name, f.name === METADATA_VERSION ? mv : f.defaultLevel);
  for (const [name, level] of o.features ?? []) {
    const f = SUPPORTED_FEATURES.find((x) => x.name === name);
    if (!f) return `Unknown feature: ${name}`;
    if (level < f.minVersion || level > f.maxVersion)
      return `Unsupported value ${level} for ${name}; supported levels are ${f.minVersion} to ${f.maxVersion}`;
    levels.set(name, level);
  }
  return levels;
}

/** A bootstrap checkpoint: the feature levels as FeatureLevel records in snapshot format. */
function bootstrapCheckpoint(
  levels: ReadonlyMap<string, number>,
  extra: readonly MetadataRecord[],
): Uint8Array {
  const records = [...levels]
    .filter(([name, level]) => level > 0 || name === METADATA_VERSION)
    .map(([name, featureLevel]) => record('FeatureLevel', { name, featureLevel }))
    .concat(extra)
    .map((r) => ({ key: null, value: encodeMetadataRecord(r) }));
  const data = buildBatch(records, { baseOffset: 0 });
  return encodeSnapshotFile({ id: { endOffset: 0, epoch: 0 }, voters: [], data }, new VoterDirectory(''), {
    kraftVersion: 0,
    nowMs: Date.now(),
    lastContainedLogTimestampMs: Date.now(),
  });
}

/** Reads the feature levels a formatted metadata log dir was given (empty when it has none). */
export async function readBootstrapFeatures(metadataLogDir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const r of await readBootstrap(metadataLogDir))
    if (r.kind === 'FeatureLevel') out.set(r.data.name, r.data.featureLevel);
  return out;
}

/** The other records a formatted metadata log dir was given (SCRAM credentials of --add-scram). */
export async function readBootstrapRecords(metadataLogDir: string): Promise<MetadataRecord[]> {
  return (await readBootstrap(metadataLogDir)).filter((r) => r.kind !== 'FeatureLevel');
}

async function readBootstrap(metadataLogDir: string): Promise<MetadataRecord[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(metadataLogDir, BOOTSTRAP_CHECKPOINT));
  } catch {
    return [];
  }
  const snapshot = decodeSnapshotFile({ endOffset: 0, epoch: 0 }, bytes, new VoterDirectory(''), []);
  if (!snapshot) return [];
  const out: MetadataRecord[] = [];
  for (const value of recordValues(snapshot.data)) {
    const r = decodeMetadataRecord(value);
    if (r) out.push(r);
  }
  return out;
}

async function writeAtomically(path: string, data: Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

async function isFormatted(dir: string): Promise<boolean> {
  try {
    const meta = parseMetaProperties(await readFile(join(dir, 'meta.properties'), 'utf8'));
    return meta.clusterId !== undefined;
  } catch {
    return false;
  }
}

/** Formats every log dir of the node (and its metadata log dir). */
export async function formatStorage(o: FormatOptions): Promise<FormatResult> {
  const { config } = o;
  const metadataDir = config.metadataLogDir || config.logDirs[0];
  const dirs = [...new Set([...config.logDirs, metadataDir])];
  const levels = bootstrapFeatures(o);
  if (typeof levels === 'string') return { ok: false, error: levels };
  const empty: string[] = [];
  for (const dir of dirs) {
    if (!(await isFormatted(dir))) empty.push(dir);
    else if (!o.ignoreFormatted)
      return {
        ok: false,
        error: `Log directory ${dir} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`,
      };
  }
  if (empty.length === 0) {
    o.print('All of the log directories are already formatted.');
    return { ok: true };
  }
  const self = o.initialControllers?.find((v) => v.id === config.nodeId);
  const mvName = metadataVersionName(levels.get(METADATA_VERSION) ?? LATEST_METADATA_VERSION);
  for (const dir of empty) {
    const isMetadata = dir === metadataDir;
    const kind = !isMetadata
      ? 'data directory'
      : !o.initialControllers
        ? 'metadata directory'
        : self
          ? 'dynamic metadata voter directory'
          : 'dynamic metadata directory';
    o.print(`Formatting ${kind} ${dir} with ${METADATA_VERSION} ${mvName}.`);
    const meta = await ensureMetaProperties(
      dir,
      config.nodeId,
      o.clusterId,
      isMetadata ? self?.directoryId : undefined,
    );
    if (!meta.ok) return { ok: false, error: meta.error };
    if (!isMetadata) continue;
    await writeAtomically(
      join(dir, BOOTSTRAP_CHECKPOINT),
      bootstrapCheckpoint(levels, o.bootstrapRecords ?? []),
    );
    if (o.initialControllers) {
      const directory = new VoterDirectory(config.controllerListenerNames[0] ?? 'CONTROLLER');
      for (const v of o.initialControllers) directory.learn(v);
      const logDir = join(dir, `${METADATA_TOPIC}-0`);
      await mkdir(logDir, { recursive: true });
      const id = { endOffset: 0, epoch: 0 };
      const snapshot = encodeSnapshotFile(
        { id, voters: o.initialControllers.map((v) => v.id), data: new Uint8Array(0) },
        directory,
        { kraftVersion: 1, nowMs: Date.now(), lastContainedLogTimestampMs: Date.now() },
      );
      await writeAtomically(join(logDir, snapshotFileName(id)), snapshot);
    }
  }
  return { ok: true };
}

/**
 * Whether a node may format itself on first start: a standalone node, or a quorum of one that is this
 * node (static voters naming only it, or bootstrap servers that are only its own controller listener).
 */
export function selfFormatting(config: BrokerConfig): 'standalone' | 'static' | 'dynamic' | null {
  if (config.standalone) return 'standalone';
  if (!config.processRoles.includes('controller')) return null;
  const voters = config.controllerQuorumVoters;
  if (voters.length > 0) return voters.length === 1 && voters[0].id === config.nodeId ? 'static' : null;
  const own = standaloneController(config, 'AAAAAAAAAAAAAAAAAAAAAA');
  if (typeof own === 'string') return null;
  const ep = own.endpoints[0];
  const servers = config.controllerQuorumBootstrapServers;
  const local = (h: string) => h === 'localhost' || h === '127.0.0.1' || h === '::1' || h === ep.host;
  return servers.length === 1 && servers[0].port === ep.port && local(servers[0].host) ? 'dynamic' : null;
}

export { randomClusterId };
