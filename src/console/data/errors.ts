// Errors as the page shows them: one line, plus Kafka's error name when a broker refused.
import type { ApiError } from '../api-types.js';

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function apiError(e: unknown): ApiError {
  const code = (e as { code?: unknown }).code;
  return { error: errorText(e), ...(typeof code === 'string' ? { code } : {}) };
}

/** A mistake in what the page sent: answered with 400 and the message. */
export class BadRequest extends Error {}
