// Structured logs on stdout (as Kafka logs to its console): JSON lines, or readable lines on a
// terminal; stderr is kept for the one line that says why the broker could not start. One line per notable event; nothing
// per request at info level. Components get child loggers; levels can be set per component.

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'off';
const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, off: 100 };

export type LogFields = Record<string, unknown>;

export interface LogSink {
  write(line: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Per-component levels, e.g. { connection: 'debug' }. */
  levels?: Record<string, LogLevel>;
  format?: 'json' | 'text';
  sink?: LogSink;
  now?: () => number;
}

export class Logger {
  private readonly threshold: number;

  constructor(
    private readonly options: Required<Omit<LoggerOptions, 'levels'>> & { levels: Record<string, LogLevel> },
    readonly component = 'broker',
  ) {
    this.threshold = RANK[options.levels[component] ?? options.level];
  }

  static create(options: LoggerOptions = {}): Logger {
    const format = options.format ?? (process.stdout.isTTY ? 'text' : 'json');
    return new Logger({
      level: options.level ?? 'info',
      levels: options.levels ?? {},
      format,
      sink: options.sink ?? { write: (line) => process.stdout.write(line) },
      now: options.now ?? Date.now,
    });
  }

  /** A logger that drops everything (tests, embedded brokers by default). */
  static silent(): Logger {
    return Logger.create({ level: 'off', sink: { write: () => {} } });
  }

  child(component: string): Logger {
    return new Logger(this.options, component);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.threshold;
  }

  trace(msg: string, fields?: LogFields): void {
    if (this.threshold <= 10) this.emit('trace', msg, fields);
  }
  debug(msg: string, fields?: LogFields): void {
    if (this.threshold <= 20) this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    if (this.threshold <= 30) this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    if (this.threshold <= 40) this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    if (this.threshold <= 50) this.emit('error', msg, fields);
  }

  private emit(level: LogLevel, msg: string, fields?: LogFields): void {
    const time = new Date(this.options.now()).toISOString();
    if (this.options.format === 'json') {
      this.options.sink.write(
        `${JSON.stringify({ time, level, component: this.component, msg, ...fields })}\n`,
      );
      return;
    }
    const extra = fields
      ? Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')
      : '';
    this.options.sink.write(
      `${time} ${level.toUpperCase().padEnd(5)} [${this.component}] ${msg}${extra ? ` ${extra}` : ''}\n`,
    );
  }
}
