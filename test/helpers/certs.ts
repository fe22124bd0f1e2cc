// Certificates for TLS tests, made with openssl as an operator would: a CA, a broker certificate for
// localhost and 127.0.0.1, client certificates signed by the CA, one signed by an untrusted CA, and
// PKCS12 stores of them. Everything goes to a fresh temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caCert: string;
  brokerCert: string;
  brokerKey: string;
  /** Key and certificate chain in one PEM file (ssl.keystore.type=PEM). */
  brokerPem: string;
  /** PKCS12 key store of the broker (password `changeit`). */
  brokerP12: string;
  /** PKCS12 trust store holding the CA only (password `changeit`). */
  trustP12: string;
  client(name: string): { cert: string; key: string };
  /** A client certificate signed by a CA the broker does not trust. */
  rogue: { cert: string; key: string };
  read(path: string): string;
  /** A new certificate for the broker's subject and key, as a new PEM key store file. */
  renewBroker(): string;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function signed(
  dir: string,
  name: string,
  subject: string,
  ca: string,
  extensions?: string,
): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject], dir);
  const args = [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    cert,
  ];
  if (extensions) {
    const ext = join(dir, `${name}.ext`);
    writeFileSync(ext, extensions);
    args.push('-extfile', ext);
  }
  openssl(args, dir);
  return { cert, key };
}

export function makeCerts(): TestCerts {
  let renewals = 0;
  const dir = mkdtempSync(join(tmpdir(), 'samsa-certs-'));
  for (const ca of ['ca', 'rogue-ca'])
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${ca}.key`,
        '-out',
        `${ca}.crt`,
        '-days',
        '2',
        '-subj',
        `/CN=${ca}`,
      ],
      dir,
    );
  const broker = signed(
    dir,
    'broker',
    '/O=samsa/OU=brokers/CN=localhost',
    'ca',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  const brokerPem = join(dir, 'broker.pem');
  writeFileSync(brokerPem, readFileSync(broker.key, 'utf8') + readFileSync(broker.cert, 'utf8'));
  const brokerP12 = join(dir, 'broker.p12');
  openssl(
    [
      'pkcs12',
      '-export',
      '-in',
      broker.cert,
      '-inkey',
      broker.key,
      '-certfile',
      'ca.crt',
      '-out',
      brokerP12,
      '-passout',
      'pass:changeit',
    ],
    dir,
  );
  const trustP12 = join(dir, 'truststore.p12');
  openssl(
    ['pkcs12', '-export', '-nokeys', '-in', 'ca.crt', '-out', trustP12, '-passout', 'pass:changeit'],
    dir,
  );
  const rogue = signed(dir, 'rogue', '/CN=mallory/O=elsewhere', 'rogue-ca');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    brokerCert: broker.cert,
    brokerKey: broker.key,
    brokerPem,
    brokerP12,
    trustP12,
    client: (name) => signed(dir, `client-${name}`, `/O=samsa/OU=clients/CN=${name}`, 'ca'),
    rogue,
    read: (path) => readFileSync(path, 'utf8'),
    renewBroker: () => {
      const renewed = signed(
        dir,
        `broker-${++renewals}`,
        '/O=samsa/OU=brokers/CN=localhost',
        'ca',
        'subjectAltName=DNS:localhost,IP:127.0.0.1\n',
      );
      const pem = join(dir, `broker-${renewals}.pem`);
      writeFileSync(pem, readFileSync(renewed.key, 'utf8') + readFileSync(renewed.cert, 'utf8'));
      return pem;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
