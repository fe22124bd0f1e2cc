// Who may use the console and how a request proves it came from the console's own page.
// - Login (console.auth): basic (user names and passwords) or a token. A login opens a session kept
//   in memory, named by an HttpOnly, SameSite=Strict cookie; scripts may send `Authorization:
//   Bearer <token>` (token mode) instead.
// - CSRF: a request that changes something must carry the X-Samsa-CSRF header with the token the page
//   got from /api/session (another site cannot read it), must not come from another site
//   (Sec-Fetch-Site, Origin), and a console bound to loopback answers only to loopback host names,
//   so a DNS-rebinding page cannot reach it under its own name.
// - Read-only mode refuses every change.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { SessionInfo } from './api-types.js';
import type { ConsoleOptions } from './options.js';

export const SESSION_COOKIE = 'samsa_console';
export const CSRF_HEADER = 'x-samsa-csrf';
const SESSION_MS = 12 * 60 * 60 * 1000;
/** Sessions kept at once; the oldest goes first. */
const SESSIONS_MAX = 1000;
/** A failed login answers after this delay, which slows guessing. */
const LOGIN_FAILURE_DELAY_MS = 300;
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

interface Session {
  user: string;
  csrf: string;
  expiresMs: number;
}

const token = () => randomBytes(24).toString('base64url');

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

export class Gate {
  private readonly sessions = new Map<string, Session>();
  /** Without login, one CSRF token for the life of the process. */
  private readonly openCsrf = token();

  constructor(private readonly options: ConsoleOptions) {}

  private isLoopbackBound(): boolean {
    const h = this.options.host;
    return LOOPBACK_NAMES.has(h) || h.startsWith('127.');
  }

  private session(c: Context): Session | null {
    if (this.options.auth === 'none')
      return { user: '', csrf: this.openCsrf, expiresMs: Number.POSITIVE_INFINITY };
    const id = getCookie(c, SESSION_COOKIE);
    const s = id ? this.sessions.get(id) : undefined;
    if (s && s.expiresMs > Date.now()) return s;
    if (id && s) this.sessions.delete(id);
    return null;
  }

  private bearer(c: Context): boolean {
    const h = c.req.header('authorization');
    if (this.options.auth !== 'token' || !h?.startsWith('Bearer ')) return false;
    return sameSecret(h.slice(7), this.options.token ?? '');
  }

  sessionInfo(
    c: Context,
    base: Omit<SessionInfo, 'authenticated' | 'auth' | 'user' | 'readOnly' | 'csrfToken'>,
  ): SessionInfo {
    const s = this.session(c);
    return {
      ...base,
      authenticated: s !== null,
      auth: this.options.auth,
      user: s?.user || null,
      readOnly: this.options.readOnly,
      csrfToken: s?.csrf ?? null,
    };
  }

  /** Host check, login, CSRF and read-only for every request; the page and its assets stay public. */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      if (this.isLoopbackBound()) {
        const host = (c.req.header('host') ?? '').replace(/:\d+$/, '');
        if (!LOOPBACK_NAMES.has(host) && !host.startsWith('127.'))
          return c.json({ error: 'unknown host name' }, 403);
      }
      const path = c.req.path;
      if (!path.startsWith('/api/')) return next();
      const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);
      const viaBearer = this.bearer(c);
      const session = this.session(c);
      if (unsafe && !viaBearer) {
        const site = c.req.header('sec-fetch-site');
        if (site && site !== 'same-origin' && site !== 'none')
          return c.json({ error: 'cross-site request refused' }, 403);
        const origin = c.req.header('origin');
        if (origin && hostOf(origin) !== c.req.header('host'))
          return c.json({ error: 'cross-origin request refused' }, 403);
        const expected = session?.csrf ?? this.openCsrf;
        if (path !== '/api/login' && !sameSecret(c.req.header(CSRF_HEADER) ?? '', expected))
          return c.json({ error: 'missing or stale CSRF token: reload the page' }, 403);
      }
      if (path === '/api/session' || path === '/api/login' || path === '/api/logout') return next();
      if (!session && !viaBearer) return c.json({ error: 'log in first' }, 401);
      if (unsafe && this.options.readOnly) return c.json({ error: 'the console is read-only' }, 403);
      return next();
    };
  }

  /** POST /api/login: checks the credentials and opens a session. */
  async login(c: Context): Promise<Response> {
    if (this.options.auth === 'none') return c.json({ ok: true });
    const body = (await c.req.json().catch(() => ({}))) as {
      user?: unknown;
      password?: unknown;
      token?: unknown;
    };
    let user: string | null = null;
    if (this.options.auth === 'basic') {
      const name = String(body.user ?? '');
      const expected = this.options.users.get(name);
      // Compare even for an unknown user, so timing does not tell which names exist.
      const ok = sameSecret(String(body.password ?? ''), expected ?? token());
      if (ok && expected !== undefined) user = name;
    } else if (sameSecret(String(body.token ?? ''), this.options.token ?? '')) {
      user = 'token';
    }
    if (user === null) {
      await new Promise((r) => setTimeout(r, LOGIN_FAILURE_DELAY_MS));
      return c.json({ error: 'wrong user name, password or token' }, 401);
    }
    while (this.sessions.size >= SESSIONS_MAX)
      this.sessions.delete(this.sessions.keys().next().value as string);
    const id = token();
    this.sessions.set(id, { user, csrf: token(), expiresMs: Date.now() + SESSION_MS });
    setCookie(c, SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: SESSION_MS / 1000,
    });
    return c.json({ ok: true });
  }

  logout(c: Context): Response {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  }
}
