// Cluster features (KIP-584) as KRaft finalizes them: metadata.version, kraft.version and the rest,
// with the levels Samsa supports. metadata.version levels and names follow Kafka's MetadataVersion.

export const METADATA_VERSION = 'metadata.version';
export const KRAFT_VERSION = 'kraft.version';

/** metadata.version feature levels by name (Kafka's MetadataVersion, KRaft versions only). */
export const METADATA_VERSIONS: readonly (readonly [string, number])[] = [
  ['3.3-IV3', 7],
  ['3.4-IV0', 8],
  ['3.5-IV0', 9],
  ['3.5-IV1', 10],
  ['3.5-IV2', 11],
  ['3.6-IV0', 12],
  ['3.6-IV1', 13],
  ['3.6-IV2', 14],
  ['3.7-IV0', 15],
  ['3.7-IV1', 16],
  ['3.7-IV2', 17],
  ['3.7-IV3', 18],
  ['3.7-IV4', 19],
  ['3.8-IV0', 20],
  ['3.9-IV0', 21],
  ['4.0-IV0', 22],
  ['4.0-IV1', 23],
  ['4.0-IV2', 24],
  ['4.0-IV3', 25],
];

export const MIN_METADATA_VERSION = 7;
/** The level a new cluster starts at (Kafka 4.0's latest production version). */
export const LATEST_METADATA_VERSION = 25;

export function metadataVersionName(level: number): string {
  return METADATA_VERSIONS.find(([, l]) => l === level)?.[0] ?? String(level);
}

/** A release name (3.9, 3.9-IV0, 4.0) to its level: the last level of that release when no IV is given. */
export function metadataVersionLevel(name: string): number | null {
  const exact = METADATA_VERSIONS.find(([n]) => n === name);
  if (exact) return exact[1];
  const release = METADATA_VERSIONS.filter(([n]) => n.startsWith(`${name}-`));
  return release.length > 0 ? release[release.length - 1][1] : null;
}

export interface SupportedFeature {
  name: string;
  minVersion: number;
  maxVersion: number;
  /** Level of a cluster formatted without --feature (the metadata.version is set apart). */
  defaultLevel: number;
}

/** What this release supports (ApiVersions' SupportedFeatures, BrokerRegistration's Features). */
export const SUPPORTED_FEATURES: readonly SupportedFeature[] = [
  { name: 'eligible.leader.replicas.version', minVersion: 0, maxVersion: 0, defaultLevel: 0 },
  { name: 'group.version', minVersion: 0, maxVersion: 0, defaultLevel: 0 },
  { name: KRAFT_VERSION, minVersion: 0, maxVersion: 1, defaultLevel: 0 },
  {
    name: METADATA_VERSION,
    minVersion: MIN_METADATA_VERSION,
    maxVersion: LATEST_METADATA_VERSION,
    defaultLevel: LATEST_METADATA_VERSION,
  },
  { name: 'transaction.version', minVersion: 0, maxVersion: 0, defaultLevel: 0 },
];

export function supportedFeature(name: string): SupportedFeature | undefined {
  return SUPPORTED_FEATURES.find((f) => f.name === name);
}
