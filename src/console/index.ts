// The web console's public surface: start it against a cluster, read its settings.
export type { ConsoleAuth, ConsoleOptions, Parsed } from './options.js';
export { CONSOLE_DEFAULTS, CONSOLE_KEYS, parseConsoleKeys } from './options.js';
export { type RunningConsole, startConsole } from './server.js';
