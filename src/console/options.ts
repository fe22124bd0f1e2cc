// The console's settings: its own `console.*` keys (from a properties file, `--override` on a broker,
// or flags) and the client settings it connects with. Bad values are one readable line.

export type ConsoleAuth = 'none' | 'basic' | 'token';

export interface ConsoleOptions {
  /** Bootstrap servers, "host:port" separated by commas. */
  brokers: string;
  /** Default 8080; 0 picks a free port. */
  port: number;
  /** Default localhost. */
  host: string;
  auth: ConsoleAuth;
  /** basic: user name -> password. */
  users: ReadonlyMap<string, string>;
  /** token: the token a login must give. */
  token: string | null;
  readOnly: boolean;
  /** How often lag and throughput are sampled and pages refresh. */
  refreshMs: number;
  /** Other client settings (client.id, request.timeout.ms, ...). */
  client: Record<string, string>;
}

export const CONSOLE_DEFAULTS = {
  port: 8080,
  host: 'localhost',
  auth: 'none' as ConsoleAuth,
  readOnly: false,
  refreshMs: 5000,
};

/** The console's keys, with what they mean (shown by `samsa console --help`). */
export const CONSOLE_KEYS: Record<string, string> = {
  'console.port': 'port of the web console (default 8080; 0 picks a free one)',
  'console.host': 'host the console listens on (default localhost)',
  'console.auth': 'none (default), basic (user names and passwords) or token',
  'console.auth.users': 'basic: user:password pairs separated by commas',
  'console.auth.token': 'token: the token to log in with',
  'console.read.only': 'true: nothing can be created, changed or deleted from the console',
  'console.refresh.ms': 'how often lag and throughput are sampled and pages refresh (default 5000)',
};

const REFRESH_MS_MIN = 200;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Console options from `console.*` keys; `brokers` comes from the caller. */
export function parseConsoleKeys(
  brokers: string,
  keys: Readonly<Record<string, string | undefined>>,
  client: Record<string, string> = {},
): Parsed<ConsoleOptions> {
  const unknown = Object.keys(keys).find((k) => k.startsWith('console.') && !(k in CONSOLE_KEYS));
  if (unknown) return { ok: false, error: `unknown console setting '${unknown}'` };
  const int = (name: string, fallback: number, min: number, max: number): number | string => {
    const text = keys[name];
    if (text === undefined || text === '') return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      return `${name}=${text}: expected a whole number from ${min} to ${max}`;
    return n;
  };
  const port = int('console.port', CONSOLE_DEFAULTS.port, 0, 65535);
  if (typeof port === 'string') return { ok: false, error: port };
  const refreshMs = int('console.refresh.ms', CONSOLE_DEFAULTS.refreshMs, REFRESH_MS_MIN, 3_600_000);
  if (typeof refreshMs === 'string') return { ok: false, error: refreshMs };
  const auth = (keys['console.auth'] || 'none').toLowerCase();
  if (auth !== 'none' && auth !== 'basic' && auth !== 'token')
    return { ok: false, error: `console.auth=${keys['console.auth']}: expected none, basic or token` };
  const readOnlyText = (keys['console.read.only'] || 'false').toLowerCase();
  if (readOnlyText !== 'true' && readOnlyText !== 'false')
    return { ok: false, error: `console.read.only=${keys['console.read.only']}: expected true or false` };
  const users = new Map<string, string>();
  for (const pair of (keys['console.auth.users'] ?? '').split(',').map((s) => s.trim())) {
    if (!pair) continue;
    const colon = pair.indexOf(':');
    if (colon <= 0 || colon === pair.length - 1)
      return { ok: false, error: 'console.auth.users: expected user:password pairs separated by commas' };
    users.set(pair.slice(0, colon), pair.slice(colon + 1));
  }
  const token = keys['console.auth.token'] || null;
  if (auth === 'basic' && users.size === 0)
    return { ok: false, error: 'console.auth=basic needs console.auth.users (user:password,...)' };
  if (auth === 'token' && (!token || token.length < 8))
    return { ok: false, error: 'console.auth=token needs console.auth.token (8 characters or more)' };
  return {
    ok: true,
    value: {
      brokers,
      port,
      host: keys['console.host'] || CONSOLE_DEFAULTS.host,
      auth,
      users,
      token,
      readOnly: readOnlyText === 'true',
      refreshMs,
      client,
    },
  };
}
