// `kafka-storage.sh format --add-scram 'SCRAM-SHA-256=[name=alice,password=alice-secret]'`: SCRAM
// credentials a new cluster starts with (so that a SASL/SCRAM-only cluster has its first admin).
// Each value is MECHANISM=[name=...,password=...] with optional iterations=N, or salt=<base64> and
// saltedpassword=<base64> instead of the password, as Kafka's StorageTool takes it.
import { randomBytes } from 'node:crypto';
import { type MetadataRecord, record } from '../../metadata/records.js';
import {
  createCredential,
  credentialFromSaltedPassword,
  SCRAM_ITERATIONS_MAX,
  SCRAM_ITERATIONS_MIN,
  SCRAM_MECHANISM_TYPES,
  type ScramMechanism,
} from '../../security/sasl/scram.js';

export function scramRecords(values: readonly string[]): MetadataRecord[] | string {
  const out: MetadataRecord[] = [];
  for (const v of values) {
    const m = /^(SCRAM-SHA-256|SCRAM-SHA-512)=\[(.*)\]$/s.exec(v.trim());
    if (!m) return `--add-scram ${v}: expected SCRAM-SHA-256=[name=...,password=...] or SCRAM-SHA-512=[...]`;
    const mechanism = m[1] as ScramMechanism;
    const fields = new Map<string, string>();
    for (const part of m[2].split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) return `--add-scram ${v}: cannot read "${part}"`;
      fields.set(
        part.slice(0, eq).trim().toLowerCase(),
        part
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      );
    }
    const name = fields.get('name');
    if (!name) return `--add-scram ${v}: You must supply 'name' to add-scram`;
    const iterations = Number(fields.get('iterations') ?? 4096);
    if (
      !Number.isInteger(iterations) ||
      iterations < SCRAM_ITERATIONS_MIN ||
      iterations > SCRAM_ITERATIONS_MAX
    )
      return `--add-scram ${v}: iterations must be between ${SCRAM_ITERATIONS_MIN} and ${SCRAM_ITERATIONS_MAX}`;
    const password = fields.get('password');
    const salted = fields.get('saltedpassword');
    let credential: ReturnType<typeof createCredential>;
    if (password !== undefined) {
      const salt = fields.has('salt') ? Buffer.from(fields.get('salt') as string, 'base64') : randomBytes(32);
      credential = createCredential(mechanism, password, iterations, salt);
    } else if (salted !== undefined && fields.has('salt')) {
      credential = credentialFromSaltedPassword(
        mechanism,
        Buffer.from(salted, 'base64'),
        Buffer.from(fields.get('salt') as string, 'base64'),
        iterations,
      );
    } else
      return `--add-scram ${v}: You must supply one of 'password' or 'saltedpassword' (with 'salt') to add-scram`;
    out.push(
      record('UserScramCredential', {
        name,
        mechanism: SCRAM_MECHANISM_TYPES[mechanism],
        salt: credential.salt,
        storedKey: credential.storedKey,
        serverKey: credential.serverKey,
        iterations,
      }),
    );
  }
  return out;
}
