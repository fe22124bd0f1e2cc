// meta.properties: the identity of a log dir (cluster id, node id), written on first start so a
// developer never has to run a separate format step, and checked on every later start so a log dir
// from another cluster or node is not mixed in by accident.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface MetaProperties {
  clusterId: string;
  nodeId: number;
  directoryId: string;
}

/** A Kafka-style cluster id: 16 random bytes, URL-safe base64 without padding. */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function formatMetaProperties(meta: MetaProperties): string {
  return [
    '#',
    `#${new Date().toUTCString()}`,
    `cluster.id=${meta.clusterId}`,
    `directory.id=${meta.directoryId}`,
    `node.id=${meta.nodeId}`,
    'version=1',
    '',
  ].join('\n');
}

export function parseMetaProperties(text: string): Partial<MetaProperties> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^#!=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (m) values.set(m[1], m[2].trim());
  }
  const nodeId = values.get('node.id');
  return {
    clusterId: values.get('cluster.id'),
    nodeId: nodeId === undefined ? undefined : Number(nodeId),
    directoryId: values.get('directory.id'),
  };
}

export type EnsureResult =
  | { ok: true; meta: MetaProperties; formatted: boolean }
  | { ok: false; error: string };

/**
 * Reads `<dir>/meta.properties`, creating the dir and the file when absent. `clusterId` (from a
 * `format` command or the first of several dirs) is used when formatting and checked otherwise.
 */
export async function ensureMetaProperties(
  dir: string,
  nodeId: number,
  clusterId?: string,
  /** The directory id to write (a dynamic voter's metadata dir has the one its voter key names). */
  directoryId?: string,
): Promise<EnsureResult> {
  const path = join(dir, 'meta.properties');
  try {
    await makeDirs(dir);
  } catch (err) {
    return {
      ok: false,
      error: `log dir ${dir} cannot be created: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    };
  }
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      return { ok: false, error: `cannot read ${path}: ${(err as Error).message}` };
  }
  if (text !== null) {
    const found = parseMetaProperties(text);
    if (!found.clusterId || found.nodeId === undefined || Number.isNaN(found.nodeId))
      return { ok: false, error: `${path} is missing cluster.id or node.id` };
    if (found.nodeId !== nodeId)
      return {
        ok: false,
        error: `${path} belongs to node ${found.nodeId}, but this is node ${nodeId} (node.id)`,
      };
    if (clusterId && found.clusterId !== clusterId)
      return {
        ok: false,
        error: `Invalid cluster.id in: ${path}. Expected ${clusterId}, but read ${found.clusterId}`,
      };
    return {
      ok: true,
      formatted: false,
      meta: { clusterId: found.clusterId, nodeId, directoryId: found.directoryId ?? randomClusterId() },
    };
  }
  const meta = {
    clusterId: clusterId ?? randomClusterId(),
    nodeId,
    directoryId: directoryId ?? randomClusterId(),
  };
  try {
    await writeFile(`${path}.tmp`, formatMetaProperties(meta));
    await rename(`${path}.tmp`, path);
  } catch (err) {
    return {
      ok: false,
      error: `log dir ${dir} is not writable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    };
  }
  return { ok: true, formatted: true, meta };
}

/**
 * `mkdir -p`, one level at a time: Node's own recursive mkdir never returns for a path under /proc,
 * which would leave the broker hanging instead of saying the dir cannot be created.
 */
async function makeDirs(dir: string, depth = 0): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (!(await stat(dir)).isDirectory())
        throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      return;
    }
    if (code !== 'ENOENT' || depth > 64 || dirname(dir) === dir) throw err;
    await makeDirs(dirname(dir), depth + 1);
    await mkdir(dir);
  }
}
