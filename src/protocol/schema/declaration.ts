// The declaration format: every message Kafka defines, written once as data (DESIGN.md §1.1).
// Versions use Kafka's notation: "3+" (3 and later), "0-2" (an inclusive range), "none".
// Field types: a primitive ("int32", "string", "records", ...), an array of a primitive ("[]int32"),
// an array of structs ("[]" with `fields`), or a single struct ("{}" with `fields`).

export type Primitive =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

export type FieldType = Primitive | `[]${Primitive}` | '[]' | '{}';

/**
 * The value of a `records` field: decoders return one Buffer (a view into the frame); encoders also
 * take a list of slices (stored batches), which they write by reference without copying.
 */
export type RecordsData = Buffer | readonly Buffer[];

/** The records as one buffer (copies only when given several slices). */
export function recordsBuffer(data: RecordsData | null | undefined): Buffer | null {
  if (data === null || data === undefined) return null;
  if (Buffer.isBuffer(data)) return data;
  return data.length === 1 ? data[0] : Buffer.concat(data as Buffer[]);
}

export type DefaultValue = string | number | boolean | null;

export interface FieldDecl {
  name: string;
  type: FieldType;
  versions: string;
  nullable?: string;
  /** Versions in which the field is a tagged field, with its tag. */
  tagged?: string;
  tag?: number;
  /** Overrides the message's flexible versions for this field's own encoding ("none" for the header client id). */
  flexible?: string;
  default?: DefaultValue;
  /** Kafka's name of the struct type, for arrays of structs and struct fields. */
  struct?: string;
  fields?: FieldDecl[];
}

export type MessageKind = 'request' | 'response' | 'header' | 'data' | 'metadata';

/** A declared message. `T` is the TypeScript shape of its values (a phantom, for typed codecs). */
export interface MessageDecl<T = unknown> {
  name: string;
  kind: MessageKind;
  apiKey?: number;
  valid: string;
  flexible: string;
  fields: FieldDecl[];
  /** Phantom type carrier; never set. */
  readonly __type?: T;
}

export type ValueOf<D> = D extends MessageDecl<infer T> ? T : never;

export interface VersionRange {
  min: number;
  max: number;
}

const NO_VERSIONS: VersionRange = { min: 1, max: 0 };
const HIGHEST = 0x7fff;

/** Parses "3+", "0-2", "5" or "none". */
export function parseVersions(text: string | undefined): VersionRange {
  if (text === undefined || text === 'none' || text === '') return NO_VERSIONS;
  if (text.endsWith('+')) return { min: Number(text.slice(0, -1)), max: HIGHEST };
  const dash = text.indexOf('-');
  if (dash > 0) return { min: Number(text.slice(0, dash)), max: Number(text.slice(dash + 1)) };
  const v = Number(text);
  return { min: v, max: v };
}

export function inVersions(text: string | undefined, version: number): boolean {
  const r = parseVersions(text);
  return version >= r.min && version <= r.max;
}
