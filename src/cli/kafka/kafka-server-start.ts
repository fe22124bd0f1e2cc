#!/usr/bin/env node
// kafka-server-start.sh config/server.properties [--override key=value]...

const USAGE = 'USAGE: kafka-server-start.sh [-daemon] server.properties [--override property=value]*';

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== '-daemon');
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h') {
    console.error(USAGE);
    return args.length === 0 ? 1 : 0;
  }
  const [file, ...rest] = args;
  const overrides: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--override' && i + 1 < rest.length) overrides.push(rest[++i]);
    else if (rest[i].startsWith('--override=')) overrides.push(rest[i].slice('--override='.length));
    else {
      console.error(`kafka-server-start.sh: unexpected argument '${rest[i]}'\n${USAGE}`);
      return 1;
    }
  }
  const { startServer } = await import('../commands/server-start.js');
  return startServer({ file, overrides, developerDefaults: false, commandName: 'kafka-server-start.sh' });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`kafka-server-start.sh: ${(err as Error)?.message ?? String(err)}`);
    process.exitCode = 1;
  },
);
