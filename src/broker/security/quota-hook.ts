// Where client quotas meet requests: every answer passes here before it is encoded. Produce requests
// count their record bytes, Fetch answers theirs (a throttled fetch goes out without records, and
// those bytes are taken back), every request its handler time; the largest throttle time goes into
// the answer's throttle_time_ms and the connection is not read for that long. ApiVersions and the
// SASL APIs are exempt, as in Kafka.
// Requests forwarded to the controller (KRaft), as Kafka's ControllerApis and RequestHandlerHelper
// treat them: the controller charges an Envelope's inner request to the principal the envelope names
// and the inner header's client id (the Envelope itself is not charged), puts the throttle time in
// the inner answer and does not mute the forwarding broker's channel; the forwarding broker charges
// only its own request time, and mutes the client's connection for the larger of that throttle and
// the controller's.

import { ErrorCode } from '../../protocol/errors.js';
import type { KafkaPrincipal } from '../../security/principal.js';
import { MUTATION_STRICT_FROM_VERSION, type QuotaKind } from '../../security/quotas.js';
import type { Connection } from '../server/connection.js';
import type { ClientQuotas } from './client-quotas.js';

export interface AnsweredRequest {
  apiKey: number;
  version: number;
  conn: Connection;
  /** Who is charged: the connection's principal, or the one an Envelope names for its inner request. */
  principal: KafkaPrincipal;
  /** The request came inside an Envelope (this node is the controller a broker forwarded it to). */
  inEnvelope: boolean;
  /** This broker sent the request on to the controller, which charged it and answered a throttle time. */
  forwardedToController: boolean;
  clientId: string;
  request: unknown;
  /** Null for requests without an answer (acks=0 produce). */
  response: unknown;
  handlerMs: number;
}

/** SaslHandshake, ApiVersions, SaslAuthenticate; Envelope (the request inside it is charged instead). */
const EXEMPT = new Set([17, 18, 36, 58]);

type Records = Buffer | readonly Buffer[] | null | undefined;

function recordBytes(records: Records): number {
  if (!records) return 0;
  if (Buffer.isBuffer(records)) return records.length;
  let n = 0;
  for (const b of records) n += b.length;
  return n;
}

function produceBytes(request: unknown): number {
  let n = 0;
  for (const t of (request as { topicData?: { partitionData: { records: Records }[] }[] }).topicData ?? [])
    for (const p of t.partitionData) n += recordBytes(p.records);
  return n;
}

type FetchPartition = { records: Records };
type FetchAnswer = { responses?: { partitions: FetchPartition[] }[] };

function fetchBytes(response: unknown): number {
  let n = 0;
  for (const t of (response as FetchAnswer).responses ?? [])
    for (const p of t.partitions) n += recordBytes(p.records);
  return n;
}

const MUTATING = new Set(MUTATION_STRICT_FROM_VERSION.keys());

export function applyQuotas(quotas: ClientQuotas, a: AnsweredRequest, nowMs: number): void {
  if (EXEMPT.has(a.apiKey)) return;
  const user = a.principal.name;
  const record = (kind: QuotaKind, amount: number) => quotas.record(kind, user, a.clientId, amount, nowMs);
  // Kafka's request quota is in percent of a thread over a second: ms of handler time per second × 100 / 1000.
  let throttle = record('request_percentage', a.handlerMs / 10);
  if (a.apiKey === 0) throttle = Math.max(throttle, record('producer_byte_rate', produceBytes(a.request)));
  if (a.apiKey === 1 && a.response) {
    const bytes = fetchBytes(a.response);
    const fetchThrottle = record('consumer_byte_rate', bytes);
    if (fetchThrottle > 0 || throttle > 0) {
      // Over a quota: the answer goes out empty and its bytes are not charged.
      quotas.unrecord('consumer_byte_rate', user, a.clientId, bytes, nowMs);
      for (const t of (a.response as FetchAnswer).responses ?? [])
        for (const p of t.partitions) p.records = null;
    }
    throttle = Math.max(throttle, fetchThrottle);
  }
  if (a.forwardedToController) {
    // The controller counted the mutations; its throttle time is in the answer.
    throttle = Math.max(throttle, throttleTimeOf(a.response));
  } else if (MUTATING.has(a.apiKey)) {
    // The controller charged each topic as it went (handlers/mutation-quota.ts). A strict request
    // (Kafka's StrictControllerMutationQuota) is throttled only when a topic was refused for an empty
    // bucket: one accepted while tokens were left is not, however many partitions it took. A
    // permissive one (older versions) is throttled for whatever it left the bucket owing.
    const strict = a.version >= (MUTATION_STRICT_FROM_VERSION.get(a.apiKey) ?? 0);
    if (!strict || refusedForQuota(a.response))
      throttle = Math.max(throttle, quotas.exceeded('controller_mutation_rate', user, a.clientId, nowMs));
  }
  if (throttle <= 0) return;
  if (a.response && typeof a.response === 'object' && 'throttleTimeMs' in a.response) {
    const r = a.response as { throttleTimeMs: number };
    r.throttleTimeMs = Math.max(r.throttleTimeMs ?? 0, throttle);
  }
  // The connection an Envelope came on is the forwarding broker's: that broker mutes its client.
  if (!a.inEnvelope) a.conn.throttle(throttle);
}

/** Whether an answer refused a topic with THROTTLING_QUOTA_EXCEEDED. */
function refusedForQuota(response: unknown): boolean {
  const r = response as {
    topics?: { errorCode: number }[];
    responses?: { errorCode: number }[];
    results?: { errorCode: number }[];
  } | null;
  const entries = r?.topics ?? r?.responses ?? r?.results ?? [];
  return entries.some((e) => e.errorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED);
}

function throttleTimeOf(response: unknown): number {
  const ms = (response as { throttleTimeMs?: unknown } | null)?.throttleTimeMs;
  return typeof ms === 'number' && ms > 0 ? ms : 0;
}
