// The pure SCRAM client (security/sasl/scram-client.ts): RFC 7677's example byte for byte, and
// whole exchanges against the broker's server (scram.ts) for both mechanisms, with every expected
// failure (wrong password, a server whose nonce does not extend ours, a wrong server signature, an
// error from the server, absurd iteration counts) returned as a value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCredential, ScramServer } from '../../src/security/sasl/scram.js';
import {
  ScramClientExchange,
  type ScramMechanism,
  scramClientFinal,
  scramClientFirst,
  scramVerifyServerFinal,
} from '../../src/security/sasl/scram-client.js';

test('RFC 7677 example: client-first, client-final with its proof, the server signature checked', () => {
  const first = scramClientFirst('SCRAM-SHA-256', 'user', 'rOprNGfwEbeRWgbNEkqO');
  assert.equal(first.message.toString(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  const final = scramClientFinal(
    first,
    'pencil',
    Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
  );
  assert.ok(final.ok);
  assert.equal(
    final.message.toString(),
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  );
  assert.equal(
    scramVerifyServerFinal(
      final.serverSignature,
      Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='),
    ),
    null,
  );
  assert.equal(
    scramVerifyServerFinal(
      final.serverSignature,
      Buffer.from('v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='),
    ),
    "the server's signature is wrong",
  );
  assert.equal(
    scramVerifyServerFinal(final.serverSignature, Buffer.from('e=invalid-proof')),
    'the server refused: invalid-proof',
  );
});

/** A whole login of `client` against `server`: the server's verdict and the client's last step. */
function login(client: ScramClientExchange, server: ScramServer) {
  const serverFirst = server.step(client.first());
  if (serverFirst.kind !== 'challenge') return { server: serverFirst.kind, client: null };
  const final = client.next(serverFirst.bytes);
  if (!final.ok || final.message === null) return { server: 'not asked', client: final };
  const serverFinal = server.step(final.message);
  if (serverFinal.kind !== 'complete') return { server: serverFinal.kind, client: final };
  return { server: serverFinal.kind, client: client.next(serverFinal.bytes) };
}

test('against the broker: both mechanisms pass with the password, a wrong one fails at the server', () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as ScramMechanism[]) {
    const credential = createCredential(mechanism, 'broker-secret', 8192);
    const lookup = (name: string, m: ScramMechanism) =>
      name === 'b,r=oker' && m === mechanism ? credential : null;
    // A name with ',' and '=' travels as saslname (=2C, =3D) and is found again by the server.
    const ok = login(
      new ScramClientExchange(mechanism, 'b,r=oker', 'broker-secret'),
      new ScramServer(mechanism, lookup),
    );
    assert.deepEqual(ok, { server: 'complete', client: { ok: true, message: null } }, mechanism);
    const wrong = login(
      new ScramClientExchange(mechanism, 'b,r=oker', 'wrong'),
      new ScramServer(mechanism, lookup),
    );
    assert.equal(wrong.server, 'failed', mechanism);
    const unknown = login(
      new ScramClientExchange(mechanism, 'nobody', 'broker-secret'),
      new ScramServer(mechanism, lookup),
    );
    assert.equal(unknown.server, 'failed', mechanism);
    // Once over, an exchange answers nothing more.
    const done = new ScramClientExchange(mechanism, 'b,r=oker', 'broker-secret');
    login(done, new ScramServer(mechanism, lookup));
    assert.equal(done.next(Buffer.from('v=AAAA')).ok, false);
  }
});

test('a server that is not trusted: its nonce, its iterations, its signature, its error', () => {
  const first = (server: string) =>
    new ScramClientExchange('SCRAM-SHA-512', 'alice', 'secret', 'clientnonce').next(Buffer.from(server));
  const refused = (server: string) => {
    const step = first(server);
    return step.ok ? 'passed' : step.error;
  };
  assert.equal(refused('r=othernonce123,s=c2FsdA==,i=4096'), "the server's nonce does not extend ours");
  assert.equal(refused('r=clientnonce,s=c2FsdA==,i=4096'), "the server's nonce does not extend ours");
  assert.match(refused('r=clientnonceXY,s=c2FsdA==,i=1000'), /iterations 1000/);
  assert.match(refused('r=clientnonceXY,s=c2FsdA==,i=99999999'), /iterations 99999999/);
  assert.match(refused('r=clientnonceXY,s=,i=4096'), /invalid server-first/);
  assert.equal(refused('m=ext,r=clientnonceXY,s=c2FsdA==,i=4096'), 'invalid server-first message');
  assert.equal(refused('garbage'), 'invalid server-first message');
  assert.equal(refused('r=clientnonceXY,s=c2FsdA==,i=4096'), 'passed');
  // A server that answers the proof with another server's signature is not the one that holds our key.
  const mechanism = 'SCRAM-SHA-256';
  const credential = createCredential(mechanism, 'secret');
  const server = new ScramServer(mechanism, () => credential);
  const client = new ScramClientExchange(mechanism, 'alice', 'secret');
  const serverFirst = server.step(client.first());
  assert.equal(serverFirst.kind, 'challenge');
  const final = client.next(serverFirst.kind === 'challenge' ? serverFirst.bytes : Buffer.alloc(0));
  assert.ok(final.ok && final.message);
  const forged = client.next(Buffer.from(`v=${Buffer.alloc(32, 7).toString('base64')}`));
  assert.deepEqual(forged, { ok: false, error: "the server's signature is wrong" });
});
