// KRaft's request forwarding: a client may send CreateTopics, config changes, ElectLeaders, ... to any
// broker; a broker that is not the active controller wraps the request as it arrived in an Envelope
// (with the client's principal and address) and sends it to the active controller over the controller
// channel, then relays the answer, decoded in the client's version. When the controller cannot be
// reached in time the client gets the request's error answer with REQUEST_TIMED_OUT, and retries. A
// topic created, grown or deleted this way is answered once this broker's own image shows it.

import { errorResponse } from '../../protocol/error-response.js';
import { ErrorCode } from '../../protocol/errors.js';
import { decodeResponseFrame } from '../../protocol/frame.js';
import { DefaultPrincipalData } from '../../protocol/internal/index.js';
import type { EnvelopeResponse } from '../../protocol/messages/index.js';
import { decodeFromBuffer, encodeToBuffer } from '../../protocol/schema/codec.js';
import type { KafkaPrincipal } from '../../security/principal.js';
import type { RequestContext } from '../handlers/handler.js';
import type { Forwarding } from '../handlers/registry.js';
import type { Logger } from '../logger.js';
import type { ControllerChannel } from '../net/index.js';

const ENVELOPE = 58;
const DEFAULT_TIMEOUT_MS = 30_000;

/** The client's address as 4 or 16 bytes (Envelope's ClientHostAddress). */
function addressBytes(address: string): Buffer {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4) return Buffer.from(v4.slice(1).map(Number));
  const out = Buffer.alloc(16);
  const [head, tail] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  for (const [i, g] of groups.slice(0, 8).entries())
    out.writeUInt16BE(Number.parseInt(g || '0', 16) & 0xffff, i * 2);
  return out;
}

/** Kafka's principal serde: a 2-byte version, then DefaultPrincipalData at that version. */
export function serializePrincipal(p: KafkaPrincipal): Buffer {
  const data = encodeToBuffer(DefaultPrincipalData, 0, {
    type: p.type,
    name: p.name,
    tokenAuthenticated: false,
  });
  const out = Buffer.alloc(2 + data.length);
  data.copy(out, 2);
  return out;
}

/** The principal an Envelope carries; null when it does not decode. */
export function deserializePrincipal(bytes: Buffer): KafkaPrincipal | null {
  if (bytes.length < 2 || bytes.readInt16BE(0) !== 0) return null;
  try {
    const d = decodeFromBuffer(DefaultPrincipalData, 0, bytes.subarray(2));
    return { type: d.type, name: d.name };
  } catch {
    return null;
  }
}

/** Envelope's ClientHostAddress back as text (4 bytes IPv4, 16 bytes IPv6); null otherwise. */
export function addressText(bytes: Buffer): string | null {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return null;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/**
 * After a forwarded change is answered: waits (a bounded time) until this broker's own metadata shows
 * it, so the client that made it through this broker sees it at once in its Metadata.
 */
export type AwaitVisible = (apiKey: number, request: unknown, response: unknown) => Promise<void>;

export function envelopeForwarding<S>(
  channel: ControllerChannel,
  isActiveHere: () => boolean,
  log: Logger,
  awaitVisible: AwaitVisible = async () => {},
): Forwarding<S> {
  return {
    shouldForward: () => !isActiveHere(),
    async forward(ctx: RequestContext<S>, request: unknown): Promise<unknown> {
      const principal = serializePrincipal(ctx.conn.principal);
      const timeoutMs = (request as { timeoutMs?: number }).timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const r = await channel.send<EnvelopeResponse>(
        ENVELOPE,
        {
          requestData: ctx.frame,
          requestPrincipal: principal,
          clientHostAddress: addressBytes(ctx.conn.info.remoteAddress),
        },
        { timeoutMs: Math.max(1000, timeoutMs) },
      );
      const fail = (errorCode: number, errorMessage: string) =>
        errorResponse(ctx.apiKey, ctx.version, request, { errorCode, errorMessage });
      if (!r.ok) {
        log.debug('forwarding to the controller failed', { api: ctx.apiKey, err: r.error.message });
        return fail(
          ErrorCode.REQUEST_TIMED_OUT,
          `the active controller could not be reached: ${r.error.message}`,
        );
      }
      if (r.body.errorCode !== ErrorCode.NONE || !r.body.responseData)
        return fail(
          r.body.errorCode || ErrorCode.UNKNOWN_SERVER_ERROR,
          'the controller refused the forwarded request',
        );
      let response: unknown;
      try {
        response = decodeResponseFrame(ctx.apiKey, ctx.version, r.body.responseData).body;
      } catch (err) {
        return fail(
          ErrorCode.UNKNOWN_SERVER_ERROR,
          `undecodable answer from the controller: ${(err as Error).message}`,
        );
      }
      await awaitVisible(ctx.apiKey, request, response);
      return response;
    },
  };
}
