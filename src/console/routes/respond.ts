// Turns what a data function returns or throws into an HTTP answer: JSON, or an ApiError with a
// status a page can act on (400 a refused request, 404 not found, 502 the cluster is unreachable).
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { apiError, BadRequest } from '../data/errors.js';

const NOT_FOUND = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'GROUP_ID_NOT_FOUND', 'UNKNOWN_TOPIC_ID']);
const UNREACHABLE = new Set(['CONNECTION_FAILED', 'CONNECTION_CLOSED', 'REQUEST_TIMED_OUT', 'CLIENT_CLOSED']);

export function statusOf(e: unknown): ContentfulStatusCode {
  if (e instanceof BadRequest) return 400;
  const code = (e as { code?: string }).code ?? '';
  const inner = (e as { errors?: { code?: string }[] }).errors?.[0]?.code ?? '';
  if (NOT_FOUND.has(code) || NOT_FOUND.has(inner)) return 404;
  if (UNREACHABLE.has(code) || UNREACHABLE.has(inner)) return 502;
  if (code) return 400;
  return 500;
}

export async function respond<T>(c: Context, work: () => Promise<T>): Promise<Response> {
  try {
    const result = await work();
    return c.json((result ?? { ok: true }) as object);
  } catch (e) {
    return c.json(apiError(e), statusOf(e));
  }
}

export async function bodyOf<T>(c: Context): Promise<T> {
  try {
    return (await c.req.json()) as T;
  } catch {
    throw new BadRequest('the request body is not JSON');
  }
}
