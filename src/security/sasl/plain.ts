// SASL/PLAIN (RFC 4616): one message `[authzid] NUL authcid NUL password`. Passwords are compared in
// constant time; an authorization id other than the user's own is refused (CVE-2017-12610 was a
// broker that let a client name someone else there).
import { createHash, timingSafeEqual } from 'node:crypto';
import { user } from '../principal.js';
import type { SaslServer, SaslStep } from './mechanism.js';

/** Checks a user's password; answers false for an unknown user. */
export type PlainVerifier = (username: string, password: string) => boolean;

/** A verifier over a fixed table of users (the JAAS `user_<name>="<password>"` options). */
export function tableVerifier(users: ReadonlyMap<string, string>): PlainVerifier {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  const hashed = new Map([...users].map(([name, password]) => [name, digest(password)]));
  return (username, password) => {
    const expected = hashed.get(username);
    // Compare digests, which have equal lengths, so timing says nothing about the password's length.
    const given = digest(password);
    return expected !== undefined && timingSafeEqual(expected, given);
  };
}

export class PlainServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  private done = false;

  constructor(private readonly verify: PlainVerifier) {}

  step(input: Buffer): SaslStep {
    if (this.done) return { kind: 'failed', reason: 'PLAIN takes a single message' };
    this.done = true;
    const parts = input.toString('utf8').split('\u0000');
    if (parts.length !== 3)
      return { kind: 'failed', reason: 'Invalid SASL/PLAIN message: expected 3 tokens' };
    const [authzid, authcid, password] = parts;
    if (!authcid) return { kind: 'failed', reason: 'username not specified' };
    if (!password) return { kind: 'failed', reason: 'password not specified' };
    if (authzid && authzid !== authcid)
      return { kind: 'failed', reason: 'client requested an authorization id different from the username' };
    if (!this.verify(authcid, password)) return { kind: 'failed', reason: 'invalid username or password' };
    return { kind: 'complete', principal: user(authcid), bytes: Buffer.alloc(0) };
  }
}
