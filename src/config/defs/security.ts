// Broker keys of TLS and SASL. Any of them may also be given per listener as
// listener.name.<listener>.<key> (SASL ones as listener.name.<listener>.<mechanism>.<key>).

import type { ConfigDefinition } from '../types.js';
import { def } from './define.js';

const TLS_NOTE =
  'Samsa reads PEM and PKCS12 stores; a JKS store is refused with the keytool line that converts it.';

const GENERAL: ConfigDefinition[] = [
  def('connections.max.reauth.ms', 'long', '0', {
    impl: true,
    doc: 'Longest SASL session before a client must re-authenticate; 0 never asks.',
  }),
  def('sasl.server.max.receive.size', 'int', '524288', {
    impl: true,
    doc: 'Largest SASL token accepted before authentication.',
  }),
  def('security.providers', 'string', null, {
    doc: 'Classes that register Java security providers.',
    imp: 'low',
  }),
  def(
    'principal.builder.class',
    'class',
    'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder',
    {
      doc: 'Plugin that turns an authenticated connection into a principal.',
      dyn: 'broker',
    },
  ),
];

const TLS: ConfigDefinition[] = [
  def('ssl.client.auth', 'string', 'none', {
    impl: true,
    doc: 'Whether TLS clients must present a certificate: required, requested or none.',
    dyn: 'broker',
    oneOf: ['required', 'requested', 'none'],
  }),
  def('ssl.principal.mapping.rules', 'string', 'DEFAULT', {
    impl: true,
    doc: 'Rules mapping certificate names to principals.',
    imp: 'low',
  }),
  def('ssl.allow.dn.changes', 'boolean', 'false', {
    impl: true,
    doc: 'Allow a new keystore to change the certificate subject.',
    imp: 'low',
  }),
  def('ssl.allow.san.changes', 'boolean', 'false', {
    doc: 'Allow a new keystore to change subject alternative names.',
    imp: 'low',
  }),
  def('ssl.protocol', 'string', 'TLSv1.3', {
    impl: true,
    doc: 'TLS protocol used to build the TLS context.',
    dyn: 'broker',
  }),
  def('ssl.provider', 'string', null, { doc: 'Security provider of TLS connections.', dyn: 'broker' }),
  def('ssl.enabled.protocols', 'list', 'TLSv1.2,TLSv1.3', {
    impl: true,
    doc: 'TLS versions accepted.',
    dyn: 'broker',
  }),
  def('ssl.keystore.type', 'string', 'JKS', {
    impl: true,
    doc: 'Format of the key store: JKS, PKCS12 or PEM.',
    dyn: 'broker',
    note: TLS_NOTE,
  }),
  def('ssl.keystore.location', 'string', null, {
    impl: true,
    doc: 'Path of the key store.',
    dyn: 'broker',
  }),
  def('ssl.keystore.password', 'password', null, {
    impl: true,
    doc: 'Password of the key store.',
    dyn: 'broker',
  }),
  def('ssl.key.password', 'password', null, {
    impl: true,
    doc: 'Password of the private key.',
    dyn: 'broker',
  }),
  def('ssl.keystore.key', 'password', null, {
    impl: true,
    doc: 'Private key in PEM, given inline.',
    dyn: 'broker',
  }),
  def('ssl.keystore.certificate.chain', 'password', null, {
    impl: true,
    doc: 'Certificate chain in PEM, given inline.',
    dyn: 'broker',
  }),
  def('ssl.truststore.type', 'string', 'JKS', {
    impl: true,
    doc: 'Format of the trust store: JKS, PKCS12 or PEM.',
    dyn: 'broker',
    note: TLS_NOTE,
  }),
  def('ssl.truststore.location', 'string', null, {
    impl: true,
    doc: 'Path of the trust store.',
    dyn: 'broker',
  }),
  def('ssl.truststore.password', 'password', null, {
    impl: true,
    doc: 'Password of the trust store.',
    dyn: 'broker',
  }),
  def('ssl.truststore.certificates', 'password', null, {
    impl: true,
    doc: 'Trusted certificates in PEM, given inline.',
    dyn: 'broker',
  }),
  def('ssl.keymanager.algorithm', 'string', 'SunX509', { doc: 'Key manager algorithm.', dyn: 'broker' }),
  def('ssl.trustmanager.algorithm', 'string', 'PKIX', { doc: 'Trust manager algorithm.', dyn: 'broker' }),
  def('ssl.endpoint.identification.algorithm', 'string', 'https', {
    doc: 'Host name check of peer certificates; empty disables it.',
    imp: 'low',
    dyn: 'broker',
  }),
  def('ssl.secure.random.implementation', 'string', null, {
    doc: 'SecureRandom implementation of TLS.',
    imp: 'low',
    dyn: 'broker',
  }),
  def('ssl.cipher.suites', 'list', '', {
    impl: true,
    doc: 'Cipher suites accepted; empty means all that are available.',
    dyn: 'broker',
  }),
  def('ssl.engine.factory.class', 'class', null, {
    doc: 'Plugin that creates TLS engines.',
    imp: 'low',
    dyn: 'broker',
  }),
];

const SASL: ConfigDefinition[] = [
  def('sasl.enabled.mechanisms', 'list', 'GSSAPI', {
    impl: true,
    doc: 'SASL mechanisms the broker accepts (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, GSSAPI).',
    dyn: 'broker',
  }),
  def('sasl.mechanism.inter.broker.protocol', 'string', 'GSSAPI', {
    doc: 'SASL mechanism between brokers.',
    dyn: 'broker',
  }),
  def('sasl.jaas.config', 'password', null, {
    impl: true,
    doc: 'JAAS login settings, in the JAAS file syntax.',
    dyn: 'broker',
  }),
  def('sasl.server.callback.handler.class', 'class', null, {
    impl: true,
    doc: 'Server-side SASL callback handler plugin.',
  }),
  def('sasl.client.callback.handler.class', 'class', null, {
    doc: 'Client-side SASL callback handler plugin.',
  }),
  def('sasl.login.class', 'class', null, { doc: 'Login plugin class.' }),
  def('sasl.login.callback.handler.class', 'class', null, { doc: 'Login callback handler plugin.' }),
  def('sasl.kerberos.service.name', 'string', null, {
    doc: 'Kerberos principal name the broker runs as.',
    dyn: 'broker',
  }),
  def('sasl.kerberos.kinit.cmd', 'string', '/usr/bin/kinit', {
    doc: 'Path of the kinit command.',
    dyn: 'broker',
  }),
  def('sasl.kerberos.ticket.renew.window.factor', 'double', '0.8', {
    doc: "Share of a ticket's life after which it is renewed.",
    dyn: 'broker',
  }),
  def('sasl.kerberos.ticket.renew.jitter', 'double', '0.05', {
    doc: 'Random share added to the renewal time.',
    dyn: 'broker',
  }),
  def('sasl.kerberos.min.time.before.relogin', 'long', '60000', {
    doc: 'Shortest wait between Kerberos logins.',
    dyn: 'broker',
  }),
  def('sasl.kerberos.principal.to.local.rules', 'list', 'DEFAULT', {
    doc: 'Rules mapping Kerberos principals to short names.',
    dyn: 'broker',
  }),
  def('sasl.login.refresh.window.factor', 'double', '0.8', {
    doc: "Share of a credential's life after which it is refreshed.",
    dyn: 'broker',
  }),
  def('sasl.login.refresh.window.jitter', 'double', '0.05', {
    doc: 'Random share added to the refresh time.',
    dyn: 'broker',
  }),
  def('sasl.login.refresh.min.period.seconds', 'short', '60', {
    doc: 'Shortest wait between credential refreshes.',
    dyn: 'broker',
  }),
  def('sasl.login.refresh.buffer.seconds', 'short', '300', {
    doc: 'Time kept before expiry when refreshing credentials.',
    dyn: 'broker',
  }),
  def('sasl.login.connect.timeout.ms', 'int', null, {
    doc: 'Connect timeout of an external login provider.',
    imp: 'low',
  }),
  def('sasl.login.read.timeout.ms', 'int', null, {
    doc: 'Read timeout of an external login provider.',
    imp: 'low',
  }),
  def('sasl.login.retry.backoff.ms', 'long', '100', {
    doc: 'First retry pause of an external login provider.',
    imp: 'low',
  }),
  def('sasl.login.retry.backoff.max.ms', 'long', '10000', {
    doc: 'Longest retry pause of an external login provider.',
    imp: 'low',
  }),
  def('sasl.oauthbearer.scope.claim.name', 'string', 'scope', {
    impl: true,
    doc: "JWT claim holding the token's scopes.",
    imp: 'low',
  }),
  def('sasl.oauthbearer.sub.claim.name', 'string', 'sub', {
    impl: true,
    doc: "JWT claim holding the token's subject.",
    imp: 'low',
  }),
  def('sasl.oauthbearer.token.endpoint.url', 'string', null, {
    doc: 'OAuth token endpoint, or a file with a token.',
  }),
  def('sasl.oauthbearer.jwks.endpoint.url', 'string', null, {
    impl: true,
    doc: 'Where the broker gets the keys that sign tokens.',
  }),
  def('sasl.oauthbearer.jwks.endpoint.refresh.ms', 'long', '3600000', {
    doc: 'How often signing keys are fetched again.',
    imp: 'low',
  }),
  def('sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', 'long', '100', {
    doc: 'First retry pause when fetching signing keys.',
    imp: 'low',
  }),
  def('sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms', 'long', '10000', {
    doc: 'Longest retry pause when fetching signing keys.',
    imp: 'low',
  }),
  def('sasl.oauthbearer.clock.skew.seconds', 'int', '30', {
    impl: true,
    doc: 'Clock difference tolerated when checking tokens.',
    imp: 'low',
  }),
  def('sasl.oauthbearer.expected.audience', 'list', null, {
    impl: true,
    doc: 'Audiences a token must name.',
    imp: 'low',
  }),
  def('sasl.oauthbearer.expected.issuer', 'string', null, {
    impl: true,
    doc: 'Issuer a token must name.',
    imp: 'low',
  }),
];

export const SECURITY_DEFINITIONS: readonly ConfigDefinition[] = [...GENERAL, ...TLS, ...SASL];
