import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { parseJaasConfig, plainUsers } from '../../src/security/jaas.js';
import { jwksValidator, OAuthBearerServer, unsecuredValidator } from '../../src/security/sasl/oauthbearer.js';
import { PlainServer, tableVerifier } from '../../src/security/sasl/plain.js';
import {
  createCredential,
  credentialFromSaltedPassword,
  decodeSaslName,
  ScramServer,
  saltedPassword,
} from '../../src/security/sasl/scram.js';
import { mapPrincipalName, parseMappingRules, rfc2253FromSubject } from '../../src/security/ssl-principal.js';

test('JAAS: PlainLoginModule options, quoted values with escapes, several modules', () => {
  const r = parseJaasConfig(
    'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a\\"b" user_admin="admin-secret" user_alice=alice-secret;',
  );
  assert.ok(r.ok);
  assert.equal(r.modules[0].options.get('password'), 'a"b');
  assert.deepEqual(
    [...plainUsers(r.modules[0])],
    [
      ['admin', 'admin-secret'],
      ['alice', 'alice-secret'],
    ],
  );
  assert.equal(parseJaasConfig('X required a="1"; Y optional;').ok, true);
  for (const bad of ['', 'X required a="1"', 'X maybe;', 'X required a=;', 'X required a="open;'])
    assert.equal(parseJaasConfig(bad).ok, false, bad);
});

test("PLAIN: the right password passes, a wrong one or someone else's authorization id fails", () => {
  const verify = tableVerifier(new Map([['alice', 'alice-secret']]));
  const step = (msg: string) => new PlainServer(verify).step(Buffer.from(msg));
  const ok = step('\0alice\0alice-secret');
  assert.equal(ok.kind, 'complete');
  assert.equal(ok.kind === 'complete' && ok.principal.name, 'alice');
  assert.equal(step('alice\0alice\0alice-secret').kind, 'complete');
  assert.equal(step('\0alice\0wrong').kind, 'failed');
  assert.equal(step('\0bob\0alice-secret').kind, 'failed');
  assert.equal(step('admin\0alice\0alice-secret').kind, 'failed');
  assert.equal(step('\0alice').kind, 'failed');
});

test('SCRAM-SHA-256: RFC 7677 test vector, byte for byte', () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const credential = credentialFromSaltedPassword(
    'SCRAM-SHA-256',
    saltedPassword('SCRAM-SHA-256', 'pencil', salt, 4096),
    salt,
    4096,
  );
  const server = new ScramServer(
    'SCRAM-SHA-256',
    () => credential,
    () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  );
  const first = server.step(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
  assert.equal(first.kind, 'challenge');
  assert.equal(
    first.kind === 'challenge' && first.bytes.toString(),
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  );
  const final = server.step(
    Buffer.from(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    ),
  );
  assert.equal(final.kind, 'complete');
  assert.equal(
    final.kind === 'complete' && final.bytes.toString(),
    'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  );
});

/** A SCRAM client, written from RFC 5802, to drive the server with a password. */
function scramClient(
  mech: 'SCRAM-SHA-256' | 'SCRAM-SHA-512',
  userName: string,
  password: string,
  tamper?: (final: string) => string,
) {
  const h = mech === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const cnonce = 'fyko+d2lbbFgONRv9qkxdawL';
  const bare = `n=${userName},r=${cnonce}`;
  return {
    first: Buffer.from(`n,,${bare}`),
    final(serverFirst: string) {
      const attrs = Object.fromEntries(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
      const salted = saltedPassword(mech, password, Buffer.from(attrs.s, 'base64'), Number(attrs.i));
      const clientKey = createHmac(h, salted).update('Client Key').digest();
      const storedKey = createHash(h).update(clientKey).digest();
      const withoutProof = `c=biws,r=${attrs.r}`;
      const authMessage = `${bare},${serverFirst},${withoutProof}`;
      const sig = createHmac(h, storedKey).update(authMessage).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]));
      const msg = `${withoutProof},p=${proof.toString('base64')}`;
      return Buffer.from(tamper ? tamper(msg) : msg);
    },
  };
}

test('SCRAM-SHA-512 and -256 with created credentials; wrong password, replayed nonce and unknown user fail', () => {
  for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    const cred = createCredential(mech, 'alice-secret', 8192);
    const lookup = (name: string) => (name === 'alice' ? cred : null);
    const run = (password: string, tamper?: (s: string) => string, name = 'alice') => {
      const server = new ScramServer(mech, lookup);
      const client = scramClient(mech, name, password, tamper);
      const first = server.step(client.first);
      if (first.kind !== 'challenge') return first.kind;
      return server.step(client.final(first.bytes.toString())).kind;
    };
    assert.equal(run('alice-secret'), 'complete', mech);
    assert.equal(run('wrong'), 'failed', mech);
    assert.equal(run('alice-secret', undefined, 'bob'), 'failed', mech);
    // CVE-2024-56128: a final message whose nonce is not the exchange's must fail.
    assert.equal(
      run('alice-secret', (s) => s.replace(/r=[^,]+/, 'r=fyko+d2lbbFgONRv9qkxdawLother')),
      'failed',
      mech,
    );
  }
  assert.equal(decodeSaslName('a=2Cb=3Dc'), 'a,b=c');
  assert.equal(decodeSaslName('a=b'), null);
});

test('OAUTHBEARER: an unsecured token passes; an expired one gets the JSON error challenge, then fails', () => {
  const now = 1_800_000_000_000;
  const token = (payload: object) =>
    `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
  const message = (t: string) => Buffer.from(`n,,\u0001auth=Bearer ${t}\u0001\u0001`);
  const server = new OAuthBearerServer(unsecuredValidator(), () => now);
  const ok = server.step(message(token({ sub: 'alice', exp: now / 1000 + 60 })));
  assert.equal(ok.kind, 'complete');
  assert.equal(ok.kind === 'complete' && ok.principal.name, 'alice');
  assert.equal(ok.kind === 'complete' && ok.expiresAtMs, now + 60_000);
  const expired = new OAuthBearerServer(unsecuredValidator(), () => now);
  const challenge = expired.step(message(token({ sub: 'alice', exp: now / 1000 - 1 })));
  assert.equal(challenge.kind, 'challenge');
  assert.deepEqual(challenge.kind === 'challenge' && JSON.parse(challenge.bytes.toString()), {
    status: 'invalid_token',
  });
  assert.equal(expired.step(Buffer.from('\u0001')).kind, 'failed');
});

test('OAUTHBEARER with a JWKS: signature, issuer and audience are checked', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1' };
  const now = 1_800_000_000_000;
  const jwt = (payload: object, kid = 'k1') => {
    const head = Buffer.from(JSON.stringify({ alg: 'RS256', kid })).toString('base64url');
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${head}.${body}.${sign('sha256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url')}`;
  };
  const validate = jwksValidator({ keys: [jwk], issuer: 'https://idp', audience: ['kafka'] });
  const claims = { sub: 'svc', exp: now / 1000 + 300, iss: 'https://idp', aud: 'kafka' };
  assert.equal(validate(jwt(claims), now).ok, true);
  assert.equal(validate(jwt({ ...claims, iss: 'https://evil' }), now).ok, false);
  assert.equal(validate(jwt({ ...claims, aud: ['other'] }), now).ok, false);
  assert.equal(validate(jwt(claims, 'k2'), now).ok, false);
  const forged = jwt(claims).replace(
    /\.[^.]+\./,
    `.${Buffer.from(JSON.stringify({ ...claims, sub: 'root' })).toString('base64url')}.`,
  );
  assert.equal(validate(forged, now).ok, false);
});

test("ssl.principal.mapping.rules: Kafka's rule syntax, first match wins, DEFAULT keeps the name", () => {
  // Node gives the subject with RFC 2253 escapes already in place and " + " inside multi-valued RDNs.
  const dn = rfc2253FromSubject('C=US\nO=Acme\\, Inc\nOU=ServiceUsers\nCN=Alice');
  assert.equal(dn, 'CN=Alice,OU=ServiceUsers,O=Acme\\, Inc,C=US');
  assert.equal(rfc2253FromSubject('C=US\nOU=eng + UID=7\nCN=a \\"b\\"'), 'CN=a \\"b\\",OU=eng+UID=7,C=US');
  const parsed = parseMappingRules(
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, RULE:^CN=([^,]*),.*$/$1@other/U,DEFAULT',
  );
  assert.ok(parsed.ok);
  assert.equal(mapPrincipalName(parsed.rules, dn), 'alice');
  assert.equal(mapPrincipalName(parsed.rules, 'CN=bob,OU=People,C=US'), 'BOB@OTHER');
  assert.equal(mapPrincipalName(parsed.rules, 'O=nobody'), 'O=nobody');
  const noDefault = parseMappingRules('RULE:^CN=(.*)$/$1/');
  assert.ok(noDefault.ok);
  assert.equal(mapPrincipalName(noDefault.rules, 'O=x'), null);
  assert.equal(parseMappingRules('RULE:abc').ok, false);
});
