// Third-party tools the compatibility tests drive (kcat, the Python clients, Prometheus, Java, ...),
// and the one way a test asks for them: `if (!needs(t, 'kcat')) return;`.
//
// - Tool present: `needs` returns true and the test runs.
// - Tool missing: the test is skipped with a message naming the tool and the command that installs
//   it, and the skip is appended to the file named by $SAMSA_TEST_SKIP_LOG, from which
//   scripts/run-tests.mjs prints one summary line at the end of the run.
// - Tool missing under CI=true: the test fails instead (CI installs every tool, so a missing one is a
//   broken CI machine, never a reason to run less).
//
// The Debian packages are listed once, in scripts/test-packages.txt (`npm run setup:test-tools`
// installs them). SAMSA_TEST_HIDE_TOOLS=kcat,confluent-kafka (or `all`) makes tools look missing, to
// try both paths on a machine that has them.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, appendFileSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Debian's python3, where python3-kafka and python3-confluent-kafka install; SAMSA_TEST_PYTHON overrides it. */
export const DEBIAN_PYTHON = process.env.SAMSA_TEST_PYTHON ?? '/usr/bin/python3';

/** The jars of the Java codec libraries (Debian's libsnappy-java, liblz4-java, libzstd-jni-java). */
export const JAVA_CODEC_JARS = ['snappy-java', 'lz4-java', 'zstd-jni'].map((n) => `/usr/share/java/${n}.jar`);

interface ToolSpec {
  /** What a person reads in the skip message. */
  what: string;
  /** Debian packages that provide it (each must be in scripts/test-packages.txt). */
  packages: string[];
  present(): boolean;
}

const command = (name: string) => () => onPath(name);
const pythonModule = (name: string) => () => pythonModules().has(name);

export const TOOLS = {
  kcat: { what: 'kcat', packages: ['kcat'], present: command('kcat') },
  'kafka-python': {
    what: `kafka-python (${DEBIAN_PYTHON} -c 'import kafka')`,
    packages: ['python3-kafka'],
    present: pythonModule('kafka'),
  },
  'confluent-kafka': {
    what: `confluent-kafka (${DEBIAN_PYTHON} -c 'import confluent_kafka')`,
    packages: ['python3-confluent-kafka'],
    present: pythonModule('confluent_kafka'),
  },
  prometheus: { what: 'prometheus', packages: ['prometheus'], present: command('prometheus') },
  promtool: { what: 'promtool', packages: ['prometheus'], present: command('promtool') },
  'python-snappy': {
    what: `python-snappy (${DEBIAN_PYTHON} -c 'import snappy')`,
    packages: ['python3-snappy'],
    present: pythonModule('snappy'),
  },
  'python-lz4': {
    what: `python-lz4 (${DEBIAN_PYTHON} -c 'import lz4.frame')`,
    packages: ['python3-lz4'],
    present: pythonModule('lz4.frame'),
  },
  'python-zstandard': {
    what: `python-zstandard (${DEBIAN_PYTHON} -c 'import zstandard')`,
    packages: ['python3-zstandard'],
    present: pythonModule('zstandard'),
  },
  java: {
    what: 'java and javac',
    packages: ['openjdk-17-jdk-headless'],
    present: () => onPath('java') && onPath('javac'),
  },
  'java-codecs': {
    what: `the Java codec jars (${JAVA_CODEC_JARS.join(', ')})`,
    packages: ['libsnappy-java', 'liblz4-java', 'libzstd-jni-java'],
    present: () => JAVA_CODEC_JARS.every((j) => existsSync(j)),
  },
  strace: { what: 'strace', packages: ['strace'], present: command('strace') },
  openssl: { what: 'openssl', packages: ['openssl'], present: command('openssl') },
  chromium: {
    what: 'chromium (/usr/bin/chromium)',
    packages: ['chromium'],
    present: () => existsSync('/usr/bin/chromium'),
  },
} satisfies Record<string, ToolSpec>;

export type Tool = keyof typeof TOOLS;

/** The minimal part of node:test's TestContext that `needs` uses. */
export interface SkippableTest {
  readonly name: string;
  skip(message?: string): void;
}

const hidden = new Set((process.env.SAMSA_TEST_HIDE_TOOLS ?? '').split(',').map((s) => s.trim()));
const presence = new Map<Tool, boolean>();

/** Whether a tool is here (and not hidden by SAMSA_TEST_HIDE_TOOLS). */
export function hasTool(tool: Tool): boolean {
  if (hidden.has('all') || hidden.has(tool)) return false;
  let here = presence.get(tool);
  if (here === undefined) {
    here = TOOLS[tool].present();
    presence.set(tool, here);
  }
  return here;
}

/** The command that installs a tool. */
export function installHint(tool: Tool): string {
  return `sudo apt-get install ${TOOLS[tool].packages.join(' ')}`;
}

/** True under CI, where a missing tool fails the test. */
export function strictTools(): boolean {
  const ci = process.env.CI ?? '';
  return ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * True when every tool is here. Otherwise the test is skipped naming what is missing and how to
 * install it (and false is returned: the test returns at once), or, under CI=true, fails.
 */
export function needs(t: SkippableTest, ...tools: Tool[]): boolean {
  const message = missingMessage(t.name, tools);
  if (message === null) return true;
  t.skip(message);
  return false;
}

/**
 * For a whole suite (`describe(name, { skip: skipUnless(name, 'chromium') }, ...)`): false when every
 * tool is here, else the skip message (logged as for `needs`); under CI=true it throws instead.
 */
export function skipUnless(suite: string, ...tools: Tool[]): string | false {
  return missingMessage(suite, tools) ?? false;
}

/** null when every tool is here; else the skip is logged and its message returned (CI=true: thrown). */
function missingMessage(name: string, tools: Tool[]): string | null {
  const missing = tools.filter((tool) => !hasTool(tool));
  if (missing.length === 0) return null;
  const what = missing.map((tool) => `${TOOLS[tool].what} is missing (install: ${installHint(tool)})`);
  const message = `${what.join('; ')}; every test tool: npm run setup:test-tools`;
  if (strictTools()) throw new Error(`CI=true and a test tool is missing: ${message}`);
  const log = process.env.SAMSA_TEST_SKIP_LOG;
  if (log) {
    const line = JSON.stringify({ test: name, file: process.argv[1] ?? '', tools: missing });
    appendFileSync(log, `${line}\n`);
  }
  return message;
}

function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

let modules: Set<string> | undefined;

/** The Python modules of TOOLS that import with DEBIAN_PYTHON (one interpreter run per test file). */
function pythonModules(): Set<string> {
  if (modules) return modules;
  modules = new Set();
  if (!existsSync(DEBIAN_PYTHON)) return modules;
  const names = ['kafka', 'confluent_kafka', 'snappy', 'lz4.frame', 'zstandard'];
  const script =
    'import importlib, sys\nfor n in sys.argv[1:]:\n  try:\n    importlib.import_module(n); print(n)\n  except Exception:\n    pass\n';
  try {
    const out = execFileSync(DEBIAN_PYTHON, ['-c', script, ...names], { encoding: 'utf8', timeout: 30_000 });
    for (const line of out.split('\n')) if (line) modules.add(line.trim());
  } catch {}
  return modules;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with optional stdin and a timeout; never throws for a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  options: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${cmd} ${args.join(' ')} timed out after ${options.timeoutMs}ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that exits without reading its input must not fail the test with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a Python script with Debian's interpreter (which sees python3-kafka and python3-confluent-kafka). */
export function runPython(script: string, args: string[] = [], timeoutMs = 60_000): Promise<RunResult> {
  return run(DEBIAN_PYTHON, ['-c', script, ...args], { timeoutMs });
}
