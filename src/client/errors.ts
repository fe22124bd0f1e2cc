// Every failure the client reports is a KafkaError: a stable `code` (Kafka's error name, or a
// client-side name such as CONNECTION_CLOSED), the numeric Kafka `errorCode` (-1 when the failure
// happened on this side and Kafka has no code for it), whether retrying can help, and where it
// happened. Several failures of one call are gathered in `errors` rather than dropped.
import { errorInfo } from '../protocol/index.js';

export interface ErrorLocation {
  /** Broker node id, or "host:port" for a bootstrap connection. */
  broker?: number | string;
  topic?: string;
  partition?: number;
  groupId?: string;
  /** The API whose request failed (e.g. "Produce"). */
  api?: string;
}

/** Codes raised by the client itself (errorCode -1 unless Kafka has a matching code). */
export type ClientErrorCode =
  | 'CONNECTION_CLOSED'
  | 'CONNECTION_FAILED'
  | 'CLIENT_CLOSED'
  | 'INVALID_CONFIG'
  | 'UNSUPPORTED_VERSION'
  | 'REQUEST_TIMED_OUT'
  | 'DELIVERY_TIMEOUT'
  | 'BUFFER_EXHAUSTED'
  | 'PROTOCOL_ERROR'
  | 'NO_OFFSET'
  | 'ILLEGAL_STATE'
  | 'TRANSACTION_ABORTED'
  | 'INVALID_ARGUMENT'
  | 'MULTIPLE_ERRORS'
  | 'SASL_AUTHENTICATION_FAILED'
  | 'SSL_AUTHENTICATION_FAILED';

export class KafkaError extends Error {
  override readonly name = 'KafkaError';
  /** Stable name: Kafka's error name (NOT_LEADER_OR_FOLLOWER, ...) or a ClientErrorCode. */
  readonly code: string;
  /** Kafka's numeric error code, -1 for client-side failures without one. */
  readonly errorCode: number;
  readonly retriable: boolean;
  readonly broker?: number | string;
  readonly topic?: string;
  readonly partition?: number;
  readonly groupId?: string;
  readonly api?: string;
  /** The individual failures when one call failed in several places. */
  readonly errors: readonly KafkaError[];

  constructor(
    code: string,
    message: string,
    options: ErrorLocation & {
      errorCode?: number;
      retriable?: boolean;
      cause?: unknown;
      errors?: readonly KafkaError[];
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errorCode = options.errorCode ?? -1;
    this.retriable = options.retriable ?? false;
    this.errors = options.errors ?? [];
    if (options.broker !== undefined) this.broker = options.broker;
    if (options.topic !== undefined) this.topic = options.topic;
    if (options.partition !== undefined) this.partition = options.partition;
    if (options.groupId !== undefined) this.groupId = options.groupId;
    if (options.api !== undefined) this.api = options.api;
  }
}

function where(loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.api) parts.push(loc.api);
  if (loc.topic !== undefined)
    parts.push(loc.partition !== undefined ? `${loc.topic}-${loc.partition}` : loc.topic);
  if (loc.groupId !== undefined) parts.push(`group ${loc.groupId}`);
  if (loc.broker !== undefined) parts.push(`broker ${loc.broker}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** The error for a Kafka error code found in a response. */
export function kafkaError(errorCode: number, loc: ErrorLocation = {}, detail?: string | null): KafkaError {
  const info = errorInfo(errorCode);
  const text = detail ? `${info.message} ${detail}` : info.message;
  return new KafkaError(info.name, `${info.name}: ${text}${where(loc)}`, {
    ...loc,
    errorCode,
    retriable: info.retriable,
  });
}

/** Every partition error of a response shaped `topics[].{name, partitions[].{partitionIndex, errorCode}}`. */
export function partitionErrors(
  topics: readonly { name: string; partitions: readonly { partitionIndex: number; errorCode: number }[] }[],
  loc: Omit<ErrorLocation, 'topic' | 'partition'>,
): KafkaError[] {
  const errors: KafkaError[] = [];
  for (const t of topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0)
        errors.push(kafkaError(p.errorCode, { ...loc, topic: t.name, partition: p.partitionIndex }));
    }
  }
  return errors;
}

/** A client-side error. */
export function clientError(
  code: ClientErrorCode,
  message: string,
  options: ErrorLocation & { retriable?: boolean; cause?: unknown; errorCode?: number } = {},
): KafkaError {
  return new KafkaError(code, `${message}${where(options)}`, options);
}

/** One error standing for several; a single error is returned as it is. */
export function combineErrors(errors: readonly KafkaError[], message: string): KafkaError {
  if (errors.length === 1) return errors[0];
  const detail = errors
    .slice(0, 5)
    .map((e) => e.message)
    .join('; ');
  return new KafkaError('MULTIPLE_ERRORS', `${message}: ${errors.length} errors: ${detail}`, {
    retriable: errors.every((e) => e.retriable),
    errors,
  });
}

export function isKafkaError(e: unknown): e is KafkaError {
  return e instanceof KafkaError;
}
