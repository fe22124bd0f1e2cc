// Frames: int32 size, header, body. Request headers are v1 (classic) or v2 (flexible: plus tagged
// fields; the client id stays a classic string); response headers are v0 or v1 — except ApiVersions,
// whose response header is always v0 so any client can read the error of a version it sent too high.
import { API_DECLS, type ApiDecl, RequestHeader, ResponseHeader } from './messages/index.js';
import { DecodeError } from './primitives/decode-error.js';
import { Reader } from './primitives/reader.js';
import { Writer } from './primitives/writer.js';
import { codecFor } from './schema/codec.js';
import { inVersions } from './schema/declaration.js';

export const API_KEY_API_VERSIONS = 18;
const API_KEY_CONTROLLED_SHUTDOWN = 7;

const apiByKey: (ApiDecl | undefined)[] = [];
for (const api of API_DECLS) apiByKey[api.apiKey] = api;

export function apiDecl(apiKey: number): ApiDecl | undefined {
  return apiByKey[apiKey];
}

/** Whether `version` of the API uses the flexible encoding (also for versions past the newest we know). */
export function isFlexible(apiKey: number, version: number): boolean {
  const api = apiByKey[apiKey];
  return api !== undefined && inVersions(api.request.flexible, version);
}

export function requestHeaderVersion(apiKey: number, version: number): number {
  if (apiKey === API_KEY_CONTROLLED_SHUTDOWN && version === 0) return 0;
  return isFlexible(apiKey, version) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, version: number): number {
  if (apiKey === API_KEY_API_VERSIONS) return 0;
  return isFlexible(apiKey, version) ? 1 : 0;
}

export interface RequestHeaderValue {
  requestApiKey: number;
  requestApiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * Reads the header of a request frame (the bytes after the size prefix). Works for any key and
 * version, known or not, so the caller can answer or close as Kafka does.
 */
export function readRequestHeader(frame: Buffer): { header: RequestHeaderValue; bodyOffset: number } {
  const r = new Reader(frame);
  if (r.remaining < 8)
    throw new DecodeError('truncated', `request header needs 8 bytes, frame has ${r.remaining}`);
  const apiKey = frame.readInt16BE(0);
  const version = frame.readInt16BE(2);
  const header = codecFor(RequestHeader, requestHeaderVersion(apiKey, version)).decode(
    r,
  ) as RequestHeaderValue;
  return { header, bodyOffset: r.pos };
}

/** Decodes a request body; throws DecodeError('unsupported') for an unknown key or version. */
export function decodeRequestBody<T = unknown>(
  apiKey: number,
  version: number,
  frame: Buffer,
  offset: number,
): T {
  const api = apiByKey[apiKey];
  if (!api) throw new DecodeError('unsupported', `unknown API key ${apiKey}`);
  const r = new Reader(frame, offset);
  return codecFor(api.request, version).decode(r) as T;
}

/** Encodes a whole request frame (size prefix included) as chunks. */
export function encodeRequestFrame(
  apiKey: number,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: unknown,
): Buffer[] {
  const api = apiByKey[apiKey];
  if (!api) throw new RangeError(`unknown API key ${apiKey}`);
  const w = new Writer(512);
  const size = w.reserveInt32();
  const header: RequestHeaderValue = {
    requestApiKey: apiKey,
    requestApiVersion: version,
    correlationId,
    clientId,
  };
  codecFor(RequestHeader, requestHeaderVersion(apiKey, version)).encode(w, header);
  codecFor(api.request, version).encode(w, body);
  Writer.patchInt32(size, w.length - 4);
  return w.finish();
}

/** Encodes a whole response frame (size prefix included) as chunks; record bytes stay referenced. */
export function encodeResponseFrame(
  apiKey: number,
  version: number,
  correlationId: number,
  body: unknown,
): Buffer[] {
  const api = apiByKey[apiKey];
  if (!api) throw new RangeError(`unknown API key ${apiKey}`);
  const w = new Writer(512);
  const size = w.reserveInt32();
  codecFor(ResponseHeader, responseHeaderVersion(apiKey, version)).encode(w, { correlationId });
  codecFor(api.response, version).encode(w, body);
  Writer.patchInt32(size, w.length - 4);
  return w.finish();
}

/** Reads the correlation id of a response frame (after the size prefix) without decoding the rest. */
export function peekCorrelationId(frame: Buffer): number {
  if (frame.length < 4) throw new DecodeError('truncated', 'response shorter than its correlation id');
  return frame.readInt32BE(0);
}

/** Decodes a response frame (after the size prefix) sent for a request of `apiKey` at `version`. */
export function decodeResponseFrame<T = unknown>(
  apiKey: number,
  version: number,
  frame: Buffer,
): { correlationId: number; body: T } {
  const api = apiByKey[apiKey];
  if (!api) throw new DecodeError('unsupported', `unknown API key ${apiKey}`);
  const r = new Reader(frame);
  const header = codecFor(ResponseHeader, responseHeaderVersion(apiKey, version)).decode(r);
  const body = codecFor(api.response, version).decode(r) as T;
  return { correlationId: header.correlationId, body };
}

export interface DecodedRequest<T = unknown> {
  header: RequestHeaderValue;
  body: T;
}

/**
 * Decodes a whole request frame (after the size prefix): header, then body by the header's key and
 * version. Throws DecodeError (and nothing else) for anything it cannot decode.
 */
export function decodeRequest<T = unknown>(frame: Buffer): DecodedRequest<T> {
  const { header, bodyOffset } = readRequestHeader(frame);
  const api = apiByKey[header.requestApiKey];
  if (!api) throw new DecodeError('unsupported', `unknown API key ${header.requestApiKey}`);
  if (!inVersions(api.request.valid, header.requestApiVersion)) {
    throw new DecodeError('unsupported', `${api.name} has no version ${header.requestApiVersion}`);
  }
  const body = decodeRequestBody<T>(header.requestApiKey, header.requestApiVersion, frame, bodyOffset);
  return { header, body };
}
