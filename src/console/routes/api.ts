// The console's HTTP API, one route per page action. Security routes (ACLs, SCRAM users, quotas)
// get a file of their own beside this one (routes/security.ts) when the cluster serves them.
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ResetRequest, ShownRecord } from '../api-types.js';
import type { ConsoleContext } from '../context.js';
import { clusterInfo } from '../data/cluster.js';
import { applyReset, deleteGroup, groupDetail, groupList, resetPlan } from '../data/groups.js';
import { browse, matcher, parseBrowseQuery, produce, tail } from '../data/records.js';
import {
  addPartitions,
  alterTopicConfigs,
  configDocs,
  createTopic,
  deleteTopic,
  topicDetail,
  topicList,
} from '../data/topics.js';
import { bodyOf, respond } from './respond.js';

/** Live tails open at once; one more is refused (each holds a client and its connections). */
export const TAILS_MAX = 16;
const TAIL_KEEPALIVE_MS = 15_000;

export function apiRoutes(app: Hono, ctx: ConsoleContext): void {
  app.get('/api/cluster', (c) => respond(c, () => clusterInfo(ctx)));

  app.get('/api/topics', (c) => respond(c, () => topicList(ctx)));
  app.post('/api/topics', (c) => respond(c, async () => createTopic(ctx, await bodyOf(c))));
  app.get('/api/topic-configs', (c) => respond(c, async () => configDocs()));
  app.get('/api/topics/:name', (c) => respond(c, () => topicDetail(ctx, c.req.param('name'))));
  app.delete('/api/topics/:name', (c) => respond(c, () => deleteTopic(ctx, c.req.param('name'))));
  app.post('/api/topics/:name/partitions', (c) =>
    respond(c, async () => addPartitions(ctx, c.req.param('name'), await bodyOf(c))),
  );
  app.post('/api/topics/:name/configs', (c) =>
    respond(c, async () => alterTopicConfigs(ctx, c.req.param('name'), await bodyOf(c))),
  );

  app.get('/api/topics/:name/records', (c) =>
    respond(c, () => browse(ctx, c.req.param('name'), parseBrowseQuery(c.req.query()))),
  );
  app.post('/api/topics/:name/records', (c) =>
    respond(c, async () => produce(ctx, c.req.param('name'), await bodyOf(c))),
  );
  let tails = 0;
  app.get('/api/topics/:name/tail', (c) => {
    if (tails >= TAILS_MAX) return c.json({ error: `${TAILS_MAX} live tails are open already` }, 429);
    const q = c.req.query();
    const partition = q.partition === undefined || q.partition === 'all' ? 'all' : Number(q.partition);
    const keep = matcher(q.filter || undefined, (q.in ?? 'both') as 'key' | 'value' | 'both');
    tails++;
    return streamSSE(c, async (stream) => {
      const abort = new AbortController();
      stream.onAbort(() => abort.abort());
      const keepalive = setInterval(
        () => void stream.writeSSE({ event: 'ping', data: '' }).catch(() => {}),
        TAIL_KEEPALIVE_MS,
      );
      try {
        await stream.writeSSE({ event: 'open', data: '' });
        const emit = (records: ShownRecord[]) =>
          stream.writeSSE({ event: 'records', data: JSON.stringify(records) });
        await tail(ctx, c.req.param('name'), partition, keep, emit, abort.signal);
      } catch (e) {
        if (!abort.signal.aborted)
          await stream.writeSSE({ event: 'failed', data: (e as Error).message }).catch(() => {});
      } finally {
        clearInterval(keepalive);
        tails--;
      }
    });
  });

  app.get('/api/groups', (c) => respond(c, () => groupList(ctx)));
  app.get('/api/groups/:id', (c) => respond(c, () => groupDetail(ctx, c.req.param('id'))));
  app.delete('/api/groups/:id', (c) => respond(c, () => deleteGroup(ctx, c.req.param('id'))));
  app.post('/api/groups/:id/reset-preview', (c) =>
    respond(c, async () => resetPlan(ctx, c.req.param('id'), await bodyOf<ResetRequest>(c))),
  );
  app.post('/api/groups/:id/reset', (c) =>
    respond(c, async () => applyReset(ctx, c.req.param('id'), await bodyOf<ResetRequest>(c))),
  );
}
