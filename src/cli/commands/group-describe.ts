// samsa group describe GROUP...: a summary (coordinator, state, members, total lag) and a row per
// partition with committed offset, log start and end, lag in records and in seconds (the age of the
// oldest record the group has not read), and the member that owns it.
import type { ParsedArgs } from '../args.js';
import { withAdmin } from '../lib/clients.js';
import { collectGroupOffsets, describeGroups, lagSeconds } from '../lib/groups.js';
import { type Command, type Context, names, printJson, summary, table } from '../lib/samsa-common.js';
import { eprintln, println } from '../tool.js';

export const command: Command = {
  name: 'group describe',
  summary: 'Describe consumer groups: state, members, and the offsets and lag of each partition.',
  usage: 'group describe GROUP... [options]',
  specs: [{ name: 'summary', short: 's', help: 'Only the summary of each group' }],
  examples: [
    'samsa group describe billing',
    'samsa group describe billing audit -s',
    'samsa group describe billing --json',
  ],
  async run(args: ParsedArgs, ctx: Context): Promise<number> {
    const groups = names(args, 'group');
    const described = await withAdmin(ctx.settings(), async (admin) => {
      const cluster = await admin.describeCluster();
      const out = [];
      for (const d of await describeGroups(admin, groups)) {
        const { rows } = await collectGroupOffsets(admin, d, true);
        const ages = await lagSeconds(ctx.settings(), rows);
        const b = cluster.brokers.find((x) => x.nodeId === d.coordinator);
        const lags = rows.map((r) => r.lag).filter((l): l is number => l !== null);
        out.push({
          group: d.groupId,
          exists: d.state !== 'Dead',
          coordinator: { id: d.coordinator, host: b?.host ?? null, port: b?.port ?? null },
          state: d.state,
          protocolType: d.protocolType,
          protocol: d.protocol,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            instanceId: m.groupInstanceId,
            clientId: m.clientId,
            host: m.clientHost,
            assignment: m.assignment,
          })),
          totalLag: lags.reduce((a, b) => a + b, 0),
          maxLagSeconds: Math.max(0, ...[...ages.values()].filter((a): a is number => a !== null)),
          partitions: rows.map((r) => ({
            topic: r.topic,
            partition: r.partition,
            currentOffset: r.offset,
            logStartOffset: r.logStartOffset,
            logEndOffset: r.logEndOffset,
            lag: r.lag,
            lagSeconds: ages.get(`${r.topic}-${r.partition}`) ?? null,
            memberId: r.consumerId,
            clientId: r.clientId,
            host: r.host,
          })),
        });
      }
      return out;
    });
    if (ctx.json) {
      printJson(described);
      return described.every((g) => g.exists) ? 0 : 1;
    }
    const blocks: string[] = [];
    for (const g of described) {
      if (!g.exists) {
        eprintln(`samsa group describe: group '${g.group}' does not exist`);
        continue;
      }
      const coordinator = g.coordinator.host
        ? `${g.coordinator.id} (${g.coordinator.host}:${g.coordinator.port})`
        : String(g.coordinator.id);
      let text = summary([
        ['GROUP', g.group],
        ['COORDINATOR', coordinator],
        ['STATE', g.state],
        ['PROTOCOL', g.protocol || '-'],
        ['MEMBERS', g.members.length],
        ['TOTAL-LAG', g.totalLag],
        ['MAX-LAG-SECONDS', g.maxLagSeconds.toFixed(1)],
      ]);
      if (!args.has('summary') && g.partitions.length > 0) {
        text += `\n\n${table(
          [
            'TOPIC',
            'PARTITION',
            'CURRENT-OFFSET',
            'LOG-START-OFFSET',
            'LOG-END-OFFSET',
            'LAG',
            'LAG-SECONDS',
            'MEMBER-ID',
            'CLIENT-ID',
            'HOST',
          ],
          g.partitions.map((p) => [
            p.topic,
            p.partition,
            p.currentOffset,
            p.logStartOffset,
            p.logEndOffset,
            p.lag,
            p.lagSeconds === null ? '-' : p.lagSeconds.toFixed(1),
            p.memberId,
            p.clientId,
            p.host,
          ]),
        )}`;
      }
      blocks.push(text);
    }
    if (blocks.length > 0) println(blocks.join('\n\n'));
    return described.every((g) => g.exists) ? 0 : 1;
  },
};
