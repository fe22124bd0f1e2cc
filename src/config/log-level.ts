// `log.level`: a default level, optionally followed by per-component levels, comma-separated:
//   info                      everything at info
//   info,replicas=debug       the replica manager at debug, the rest at info
//   warn,server=info,storage=debug
// Components are the broker's loggers (LOG_COMPONENTS); a name not in the list is an error, so a typo
// does not pass silently.

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'off';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'off'];

/** The broker's components with their own logger. */
export const LOG_COMPONENTS = [
  'broker',
  'storage',
  'controller',
  'replicas',
  'replica-fetcher',
  'alter-partition',
  'group-coordinator',
  'txn-coordinator',
  'registry',
  'server',
  'metrics',
  'authenticator',
  'authorizer',
  'metadata',
  'raft',
  'quorum',
  'lifecycle',
  'controller-channel',
  'controller-registry',
  'forwarding',
] as const;

export interface LogLevels {
  level: LogLevel;
  components: Readonly<Record<string, LogLevel>>;
}

function isLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

/** Parses a `log.level` value; `error` says what is wrong in one sentence. */
export function parseLogLevels(text: string): { ok: true; value: LogLevels } | { ok: false; error: string } {
  const parts = text.split(',').map((p) => p.trim());
  const [first, ...rest] = parts;
  if (!isLevel(first))
    return { ok: false, error: `The default level must be one of: ${LOG_LEVELS.join(', ')}` };
  const components: Record<string, LogLevel> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const level = eq < 0 ? '' : part.slice(eq + 1);
    if (!(LOG_COMPONENTS as readonly string[]).includes(name))
      return { ok: false, error: `Unknown component '${name}'; components are ${LOG_COMPONENTS.join(', ')}` };
    if (!isLevel(level))
      return { ok: false, error: `The level of ${name} must be one of: ${LOG_LEVELS.join(', ')}` };
    components[name] = level;
  }
  return { ok: true, value: { level: first, components } };
}
