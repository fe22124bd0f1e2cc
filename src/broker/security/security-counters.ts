// What the broker's security counts, for metrics (the Kafka socket-server metrics
// successful-authentication-total, failed-authentication-total, and the client quotas' throttle times).
export class SecurityCounters {
  successfulAuthentications = 0;
  failedAuthentications = 0;
  /** Failed authentications by mechanism (PLAIN, SCRAM-SHA-256, ..., SSL for refused TLS clients). */
  readonly failuresByMechanism = new Map<string, number>();

  authentication(ok: boolean, mechanism: string): void {
    if (ok) {
      this.successfulAuthentications++;
      return;
    }
    this.failedAuthentications++;
    this.failuresByMechanism.set(mechanism, (this.failuresByMechanism.get(mechanism) ?? 0) + 1);
  }
}
