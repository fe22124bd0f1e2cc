// The mirror's log: one line per notable event on stdout, as the broker logs (JSON lines, or readable
// lines on a terminal). Nothing is logged per record.

export type MirrorLogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<MirrorLogLevel | 'off', number> = { debug: 20, info: 30, warn: 40, error: 50, off: 100 };

export interface MirrorLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): MirrorLogger;
}

export interface LoggerOptions {
  level?: MirrorLogLevel | 'off';
  format?: 'json' | 'text';
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}, component = 'mirror'): MirrorLogger {
  const threshold = RANK[options.level ?? 'info'];
  const format = options.format ?? (process.stdout.isTTY ? 'text' : 'json');
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const emit = (level: MirrorLogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < threshold) return;
    const time = new Date().toISOString();
    if (format === 'json') {
      write(`${JSON.stringify({ time, level, component, msg, ...fields })}\n`);
      return;
    }
    const extra = fields
      ? Object.entries(fields)
          .map(([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join('')
      : '';
    write(`${time} ${level.toUpperCase().padEnd(5)} [${component}] ${msg}${extra}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (c) => createLogger({ ...options, format }, c),
  };
}

export const silentLogger: MirrorLogger = createLogger({ level: 'off' });

/** A readable message for anything thrown or rejected. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
