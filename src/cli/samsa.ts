#!/usr/bin/env node
// The `samsa` command. Subcommands load lazily so `--help` and quick commands start fast.
const COMMANDS: Record<string, () => Promise<{ run(args: string[]): Promise<number> }>> = {
  'server start': () => import('./commands/server-start.js'),
};

const USAGE = `Usage: samsa <command> [options]

Commands:
  server start      run a Samsa broker (developer defaults: localhost:9092, data in ./data)

Run 'samsa <command> --help' for the options of a command.`;

async function main(argv: string[]): Promise<number> {
  for (const [name, load] of Object.entries(COMMANDS)) {
    const words = name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return (await load()).run(argv.slice(words.length));
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(USAGE);
    return 0;
  }
  console.error(`samsa: unknown command '${argv.join(' ')}'. Run 'samsa --help' for the list.`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`samsa: ${(err as Error)?.message ?? String(err)}`);
    process.exitCode = 1;
  },
);
