#!/usr/bin/env node
// kafka-broker-api-versions.sh: for each broker, the version range of every API it advertises and
// the version a client of this release would use, in the format of Kafka's tool:
//   localhost:9092 (id: 1 rack: null) -> (
//   	Produce(0): 0 to 12 [usable: 12],
//   	...
//   )
// "usable" is the highest version both the broker and the protocol definitions Samsa is built from
// know; an API a broker does not advertise shows as UNSUPPORTED.
import type { OptionSpec } from '../args.js';
import { adminSettings, checkBootstrap, loadProps } from '../client-config.js';
import { withAdmin } from '../lib/clients.js';
import { parseKafkaArgs, required } from '../lib/kafka-tool.js';
import { errorMessage, println, runTool } from '../tool.js';

const NAME = 'kafka-broker-api-versions.sh';

const SPECS: OptionSpec[] = [
  {
    name: 'bootstrap-server',
    arg: 'required',
    argName: 'String: server(s) to use for bootstrapping',
    help: 'REQUIRED: the broker(s) to connect to.',
  },
  {
    name: 'command-config',
    arg: 'required',
    argName: 'String: command config property file',
    help: 'A properties file of admin client settings.',
  },
];

const SUMMARY = 'Shows the API versions each broker supports.';

/** APIs a client may send to a broker (the "broker" listener of Kafka's message schemas). */
const CLIENT_APIS = [
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
  32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 55, 57, 60, 61, 64, 65, 66,
  68, 69, 71, 72, 74, 75, 76, 77, 78, 79, 80, 81, 83, 84, 85, 86, 87,
];

function latestKnown(valid: string): number {
  const m = /(\d+)$/.exec(valid);
  return m ? Number(m[1]) : -1;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseKafkaArgs(argv, SPECS, SUMMARY);
  if (parsed.exit !== undefined) return parsed.exit;
  const args = parsed.args;
  required(args, 'bootstrap-server');
  const bootstrap = checkBootstrap(args.get('bootstrap-server'));
  const props = args.has('command-config')
    ? loadProps(args.get('command-config') as string, '--command-config')
    : {};
  const { API_DECLS } = await import('../../protocol/messages/index.js');
  const byKey = new Map(API_DECLS.map((d) => [d.apiKey, d]));
  await withAdmin(adminSettings(bootstrap, props, 'kafka-broker-api-versions'), async (admin) => {
    for (const b of await admin.brokerApiVersions()) {
      const node = `${b.host}:${b.port} (id: ${b.nodeId} rack: ${b.rack ?? 'null'})`;
      if (b.error) {
        println(`${node} -> ERROR: ${errorMessage(b.error)}`);
        continue;
      }
      const lines = new Map<number, string>();
      for (const v of b.versions) {
        const decl = byKey.get(v.apiKey);
        const range =
          v.minVersion === v.maxVersion ? `${v.minVersion}` : `${v.minVersion} to ${v.maxVersion}`;
        if (!decl) {
          lines.set(v.apiKey, `UNKNOWN(${v.apiKey}): ${range}`);
          continue;
        }
        const latest = latestKnown(decl.request.valid);
        const oldest = Number(decl.request.valid.split('-')[0]);
        const usable =
          latest < v.minVersion
            ? ' [unusable: node too new]'
            : v.maxVersion < oldest
              ? ' [unusable: node too old]'
              : ` [usable: ${Math.min(latest, v.maxVersion)}]`;
        lines.set(v.apiKey, `${decl.name}(${v.apiKey}): ${range}${usable}`);
      }
      for (const k of CLIENT_APIS) {
        const decl = byKey.get(k);
        if (decl && !lines.has(k)) lines.set(k, `${decl.name}(${k}): UNSUPPORTED`);
      }
      const text = [...lines].sort((x, y) => x[0] - y[0]).map(([, l]) => l);
      println(`${node} -> (\n\t${text.join(',\n\t')}\n)`);
    }
  });
  return 0;
}

runTool(NAME, main);
