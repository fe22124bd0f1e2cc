// The log dirs of a node about to start: every dir must belong to this node and one cluster. A node
// that is a cluster of its own (a standalone node, or a quorum of one naming only itself) formats its
// empty dirs on first start, so a developer never has to run a format step; a node of a larger cluster
// must be formatted with the cluster's id first (kafka-storage.sh format), as in Kafka.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureMetaProperties, parseMetaProperties, randomClusterId } from '../../broker/meta-properties.js';
import { formatStorage, selfFormatting, standaloneController } from '../../broker/storage-format.js';
import type { BrokerConfig } from '../../config/index.js';

export type Prepared = { ok: true; clusterId: string } | { ok: false; error: string };

async function clusterIdOf(dir: string): Promise<string | null> {
  try {
    return parseMetaProperties(await readFile(join(dir, 'meta.properties'), 'utf8')).clusterId ?? null;
  } catch {
    return null;
  }
}

export async function prepareLogDirs(
  config: BrokerConfig,
  note: (message: string) => void,
): Promise<Prepared> {
  const dirs = [...new Set([...config.logDirs, config.metadataLogDir || config.logDirs[0]])];
  const known = (await Promise.all(dirs.map(clusterIdOf))).find((id) => id !== null) ?? null;
  const unformatted = [];
  for (const dir of dirs) if ((await clusterIdOf(dir)) === null) unformatted.push(dir);
  const mode = selfFormatting(config);
  if (unformatted.length > 0 && mode !== null && mode !== 'standalone' && known === null) {
    // A one-node quorum formats itself as `kafka-storage.sh format` would (with --standalone when dynamic).
    const r = await formatStorage({
      config,
      clusterId: randomClusterId(),
      ignoreFormatted: true,
      initialControllers:
        mode === 'dynamic' ? [standaloneController(config, randomClusterId()) as never] : null,
      print: note,
    });
    if (!r.ok) return r;
  } else if (unformatted.length > 0 && mode === null) {
    return {
      ok: false,
      error: `No \`meta.properties\` found in ${unformatted[0]} (have you run \`kafka-storage.sh\` to format the directory?)`,
    };
  }
  let clusterId: string | undefined = known ?? undefined;
  for (const dir of dirs) {
    const meta = await ensureMetaProperties(dir, config.nodeId, clusterId);
    if (!meta.ok) return meta;
    clusterId = meta.meta.clusterId;
    if (meta.formatted) note(`formatted log dir ${dir} (cluster ${clusterId})`);
  }
  return { ok: true, clusterId: clusterId as string };
}
