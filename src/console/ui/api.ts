// Calls to the console's API. Requests that change something carry the CSRF token the session
// handed out; errors become ApiFailure with the server's one-line message.
import type { ApiError } from '../api-types';

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export class ApiFailure extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-samsa-csrf'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiFailure('the console server cannot be reached', 0);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiFailure(`unexpected answer (${res.status})`, res.status);
  }
  if (!res.ok) {
    const e = (json ?? {}) as ApiError;
    throw new ApiFailure(e.error ?? `failed (${res.status})`, res.status, e.code);
  }
  return json as T;
}

export const enc = encodeURIComponent;
