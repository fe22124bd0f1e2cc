// The broker's security, put together from its config by the composition root: each listener's TLS and
// SASL (checked at start: a bad store or JAAS line stops the broker with one line), the SASL
// environment (SCRAM credentials from the current metadata image), the authorizer, the client quotas,
// and what follows a new image: ACLs and quotas re-read, a listener's certificates reloaded when its
// dynamic ssl.* configs changed (kafka-configs.sh --alter --entity-type brokers ... listener.name.*).
import type { BrokerConfig } from '../../config/index.js';
import type { MetadataImage } from '../../metadata/image.js';
import { SCRAM_MECHANISM_TYPES, type ScramMechanism } from '../../security/sasl/scram.js';
import type { Logger } from '../logger.js';
import { AuthGate } from '../server/auth-gate.js';
import type { Dispatcher } from '../server/connection.js';
import type { AuthenticationOptions, ListenerSpec, SocketServer } from '../server/listener.js';
import { type ListenerSecurity, listenerSecurity } from '../server/listener-security.js';
import type { SaslEnvironment } from '../server/sasl-session.js';
import { tlsSettings } from '../server/tls-context.js';
import { AccessControl, checkAuthorizerConfig } from './access-control.js';
import { ClientQuotas } from './client-quotas.js';
import { type AnsweredRequest, applyQuotas } from './quota-hook.js';
import { SecurityCounters } from './security-counters.js';

export type Built<T> = { ok: true; value: T } | { ok: false; error: string };

export class BrokerSecurity {
  readonly counters = new SecurityCounters();
  private server: SocketServer | null = null;
  /** The ssl.* inputs each TLS listener was last built from (to notice dynamic changes). */
  private readonly tlsInputs = new Map<string, string>();

  private constructor(
    private readonly listeners: ReadonlyMap<string, ListenerSecurity>,
    readonly access: AccessControl,
    readonly quotas: ClientQuotas,
    private readonly log: Logger,
    private readonly image: () => MetadataImage,
    private readonly settings: { saslReceiveBytesMax: number; frameBytesMax: number; authTimeoutMs: number },
  ) {}

  /** Checks and builds the security of every listener; the first problem stops the broker. */
  static create(
    config: BrokerConfig,
    listeners: readonly { name: string; securityProtocol: string }[],
    image: () => MetadataImage,
    log: Logger,
  ): Built<BrokerSecurity> {
    const authorizer = {
      className: String(config.get('authorizer.class.name')?.value ?? ''),
      superUsers: (config.get('super.users')?.value as string | null) ?? null,
      allowEveryoneIfNoAclFound: config.get('allow.everyone.if.no.acl.found')?.value === true,
    };
    const problem = checkAuthorizerConfig(authorizer);
    if (problem) return { ok: false, error: problem };
    const built = new Map<string, ListenerSecurity>();
    for (const l of listeners) {
      const security = listenerSecurity(config, l.name, l.securityProtocol);
      if (!security.ok) return security;
      built.set(l.name, security.value);
    }
    const window = (num: string, size: string) => ({
      samples: Number(config.get(num)?.value ?? 11),
      sampleMs: Number(config.get(size)?.value ?? 1) * 1000,
    });
    const quotas = new ClientQuotas({
      window: window('quota.window.num', 'quota.window.size.seconds'),
      controllerWindow: window('controller.quota.window.num', 'controller.quota.window.size.seconds'),
    });
    const security = new BrokerSecurity(
      built,
      new AccessControl(authorizer, log.child('authorizer')),
      quotas,
      log,
      image,
      {
        saslReceiveBytesMax: Number(config.get('sasl.server.max.receive.size')?.value ?? 524288),
        frameBytesMax: config.socketRequestBytesMax,
        authTimeoutMs: Number(config.get('connections.authentication.timeout.ms')?.value ?? 30000),
      },
    );
    for (const l of listeners) security.tlsInputs.set(l.name, tlsInputsOf(config, l.name));
    return { ok: true, value: security };
  }

  /** The listener specs with their security attached. */
  specs(listeners: readonly ListenerSpec[]): ListenerSpec[] {
    return listeners.map((l) => ({ ...l, security: this.listeners.get(l.name) }));
  }

  /** The SASL environment: credentials come from the image current when a client authenticates. */
  private saslEnvironment(): SaslEnvironment {
    return {
      scram: (username: string, mechanism: ScramMechanism) =>
        this.image().security.scram.get(username)?.get(SCRAM_MECHANISM_TYPES[mechanism]) ?? null,
      now: () => Date.now(),
      onAuthentication: (mechanism, ok) => this.counters.authentication(ok, mechanism),
    };
  }

  authentication(): AuthenticationOptions {
    return {
      sasl: this.saslEnvironment(),
      saslReceiveBytesMax: this.settings.saslReceiveBytesMax,
      timeoutMs: this.settings.authTimeoutMs,
      onTlsFailure: () => this.counters.authentication(false, 'SSL'),
    };
  }

  gate(inner: Dispatcher): Dispatcher {
    return new AuthGate(inner, {
      saslReceiveBytesMax: this.settings.saslReceiveBytesMax,
      frameBytesMax: this.settings.frameBytesMax,
      now: () => Date.now(),
    });
  }

  /** Client quotas on an answer about to be sent (the registry's onAnswer hook). */
  answered(a: AnsweredRequest): void {
    // A forwarded request's throttle time comes from the controller, whatever this broker's image says.
    if (this.quotas.enabled || a.forwardedToController) applyQuotas(this.quotas, a, Date.now());
  }

  attach(server: SocketServer): void {
    this.server = server;
  }

  /** A new image: ACLs re-read; listeners whose ssl.* configs changed get new certificates. */
  onImage(image: MetadataImage, config: BrokerConfig): void {
    this.quotas.onImage(image);
    this.access.onImage(image);
    this.reloadChangedTls(config, false);
  }

  /**
   * Rebuilds the TLS of listeners whose ssl.* configs changed (or, with `filesToo`, whose store files
   * changed on disk: an alter that repeats the same path, as Kafka reloads then). A bad new store, or
   * one whose certificate names another subject (unless ssl.allow.dn.changes), keeps the old one.
   * Returns the first problem, for the alter request to report.
   */
  reloadChangedTls(config: BrokerConfig, filesToo: boolean): string | null {
    if (!this.server) return null;
    let firstProblem: string | null = null;
    for (const [name, security] of this.listeners) {
      if (!security.tls) continue;
      const inputs = tlsInputsOf(config, name);
      if (!filesToo && inputs === this.tlsInputs.get(name)) continue;
      this.tlsInputs.set(name, inputs);
      const current = this.server.tlsSettingsOf(name);
      const next = tlsSettings(config, name, security.securityProtocol);
      let problem: string | null = null;
      if (!next.ok) problem = next.error;
      else if (current && next.value.fingerprint === current.fingerprint) continue;
      else if (current?.subject && next.value.subject !== current.subject && !next.value.allowDnChanges)
        problem = `listener ${name}: the new certificate's subject (${next.value.subject}) differs from the current one (${current.subject}); set ssl.allow.dn.changes=true to allow it`;
      if (problem || !next.ok) {
        this.log.error('listener certificates not reloaded', { listener: name, reason: problem });
        firstProblem ??= problem;
        continue;
      }
      this.server.updateTls(name, next.value);
      this.log.info('listener certificates reloaded', { listener: name, subject: next.value.subject });
    }
    return firstProblem;
  }
}

const TLS_KEYS = [
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.keystore.key',
  'ssl.keystore.certificate.chain',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
  'ssl.client.auth',
  'ssl.enabled.protocols',
  'ssl.cipher.suites',
  'ssl.principal.mapping.rules',
];

function tlsInputsOf(config: BrokerConfig, listener: string): string {
  const prefix = `listener.name.${listener.toLowerCase()}.`;
  return JSON.stringify(
    TLS_KEYS.map((k) => [config.get(prefix + k)?.text ?? null, config.get(k)?.text ?? null]),
  );
}
