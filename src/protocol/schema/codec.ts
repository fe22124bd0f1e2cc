// Compiles a declaration into an encoder and a decoder for one version, once, on first use.
// The result is a tree of small closures; nothing is interpreted per byte at run time.
import { DecodeError } from '../primitives/decode-error.js';
import { Reader } from '../primitives/reader.js';
import { Writer } from '../primitives/writer.js';
import {
  type DefaultValue,
  type FieldDecl,
  inVersions,
  type MessageDecl,
  parseVersions,
} from './declaration.js';

export interface Codec<T> {
  readonly version: number;
  encode(w: Writer, value: T): void;
  decode(r: Reader): T;
}

// biome-ignore lint/suspicious/noExplicitAny: codecs work on plain objects whose shape the declaration gives
type Obj = Record<string, any>;
type Read = (r: Reader) => unknown;
type Write = (w: Writer, v: unknown) => void;

interface CompiledField {
  name: string;
  read: Read;
  write: Write;
  makeDefault: () => unknown;
  isDefault: (v: unknown) => boolean;
  tag: number;
}

interface CompiledStruct {
  read: (r: Reader) => Obj;
  write: (w: Writer, v: Obj) => void;
  makeDefault: () => Obj;
  isDefault: (v: Obj) => boolean;
}

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}

const cache = new WeakMap<MessageDecl, Map<number, Codec<unknown>>>();

/** The codec of `decl` at `version`, compiled on first use. */
export function codecFor<T>(decl: MessageDecl<T>, version: number): Codec<T> {
  let byVersion = cache.get(decl as MessageDecl);
  if (!byVersion) {
    byVersion = new Map();
    cache.set(decl as MessageDecl, byVersion);
  }
  let codec = byVersion.get(version);
  if (!codec) {
    if (!inVersions(decl.valid, version)) {
      throw new DecodeError('unsupported', `${decl.name} has no version ${version} (valid ${decl.valid})`);
    }
    const flexible = inVersions(decl.flexible, version);
    const struct = compileStruct(decl.fields, version, flexible, decl.name);
    codec = { version, encode: struct.write as Codec<unknown>['encode'], decode: struct.read };
    byVersion.set(version, codec);
  }
  return codec as Codec<T>;
}

/** Encodes `value` as `decl` at `version` into one buffer. */
export function encodeToBuffer<T>(decl: MessageDecl<T>, version: number, value: T): Buffer {
  const w = new Writer();
  codecFor(decl, version).encode(w, value);
  return w.finishFlat();
}

/** Decodes one `decl` at `version` from `buf`; with `exact`, leftover bytes are an error. */
export function decodeFromBuffer<T>(decl: MessageDecl<T>, version: number, buf: Buffer, exact = true): T {
  const r = new Reader(buf);
  const value = codecFor(decl, version).decode(r);
  if (exact && r.remaining !== 0) {
    throw new DecodeError('trailing', `${r.remaining} bytes after ${decl.name} v${version}`, r.pos);
  }
  return value;
}

function compileStruct(
  fields: readonly FieldDecl[],
  version: number,
  flexible: boolean,
  path: string,
): CompiledStruct {
  const present: CompiledField[] = [];
  const tagged: CompiledField[] = [];
  const absent: CompiledField[] = [];
  for (const f of fields) {
    const compiled = compileField(f, version, flexible, `${path}.${f.name}`);
    if (!inVersions(f.versions, version)) absent.push(compiled);
    else if (flexible && f.tagged !== undefined && inVersions(f.tagged, version)) tagged.push(compiled);
    else present.push(compiled);
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const all = [...present, ...tagged, ...absent];
  const order = fields.map((f) => all.find((c) => c.name === f.name) as CompiledField);
  const tagIndex = new Map(tagged.map((t) => [t.tag, t]));

  const makeDefault = (): Obj => {
    const o: Obj = {};
    for (const f of order) o[f.name] = f.makeDefault();
    return o;
  };
  const read = (r: Reader): Obj => {
    const o: Obj = {};
    for (const f of order) o[f.name] = undefined;
    for (const f of present) o[f.name] = f.read(r);
    for (const f of absent) o[f.name] = f.makeDefault();
    if (flexible) readTags(r, o, tagIndex);
    for (const f of tagged) if (o[f.name] === undefined) o[f.name] = f.makeDefault();
    return o;
  };
  const write = (w: Writer, v: Obj): void => {
    if (v === null || typeof v !== 'object') throw new EncodeError(`${path}: expected an object, got ${v}`);
    for (const f of present) f.write(w, v[f.name]);
    if (flexible) writeTags(w, v, tagged);
  };
  const isDefault = (v: Obj): boolean => order.every((f) => f.isDefault(v[f.name]));
  return { read, write, makeDefault, isDefault };
}

function readTags(r: Reader, o: Obj, known: Map<number, CompiledField>): void {
  const count = r.uvarint();
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= previous) throw new DecodeError('tag', `tag ${tag} after ${previous}`, r.pos);
    previous = tag;
    const size = r.uvarint();
    r.need(size);
    const field = known.get(tag);
    if (field) {
      const sub = new Reader(r.buf, r.pos, r.pos + size);
      o[field.name] = field.read(sub);
    }
    r.pos += size;
  }
}

function writeTags(w: Writer, v: Obj, tagged: readonly CompiledField[]): void {
  const toWrite = tagged.filter((f) => v[f.name] !== undefined && !f.isDefault(v[f.name]));
  w.uvarint(toWrite.length);
  for (const f of toWrite) {
    const sub = new Writer();
    f.write(sub, v[f.name]);
    const payload = sub.finishFlat();
    w.uvarint(f.tag).uvarint(payload.length).raw(payload);
  }
}

function compileField(f: FieldDecl, version: number, flexible: boolean, path: string): CompiledField {
  const nullable = inVersions(f.nullable, version);
  const compact = flexible && (f.flexible === undefined || inVersions(f.flexible, version));
  const makeDefault = defaultMaker(f, version, flexible, path);
  let read: Read;
  let write: Write;
  let isDefault: (v: unknown) => boolean;

  if (f.type === '[]' || f.type === '{}') {
    const struct = compileStruct(f.fields ?? [], version, flexible, path);
    if (f.type === '{}') {
      read = nullable ? (r) => (r.int8() < 0 ? null : struct.read(r)) : struct.read;
      write = (w, v) => {
        if (nullable) {
          if (v === null) return void w.int8(-1);
          w.int8(1);
        }
        struct.write(w, (v ?? struct.makeDefault()) as Obj);
      };
      isDefault = (v) => (f.default === null ? v === null : v !== null && struct.isDefault(v as Obj));
    } else {
      read = arrayReader(struct.read, compact, nullable, path);
      write = arrayWriter((w, e) => struct.write(w, e as Obj), compact, nullable, path);
      isDefault = (v) => (f.default === null ? v === null : Array.isArray(v) && v.length === 0);
    }
  } else if (f.type.startsWith('[]')) {
    const element = primitive(f.type.slice(2), false, compact, path);
    read = arrayReader(element.read, compact, nullable, path);
    write = arrayWriter(element.write, compact, nullable, path);
    isDefault = (v) => (f.default === null ? v === null : Array.isArray(v) && v.length === 0);
  } else {
    const p = primitive(f.type, nullable, compact, path);
    read = p.read;
    write = p.write;
    const d = makeDefault();
    isDefault = Buffer.isBuffer(d) ? (v) => Buffer.isBuffer(v) && v.length === 0 : (v) => v === d;
  }
  const writeOrDefault: Write = (w, v) => write(w, v === undefined ? makeDefault() : v);
  return { name: f.name, read, write: writeOrDefault, makeDefault, isDefault, tag: f.tag ?? -1 };
}

function arrayReader(element: Read, compact: boolean, nullable: boolean, path: string): Read {
  return (r) => {
    const n = compact ? r.compactArrayLength() : r.arrayLength();
    if (n < 0) {
      if (nullable) return null;
      throw new DecodeError('length', `${path}: null array where none is allowed`, r.pos);
    }
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = element(r);
    return out;
  };
}

function arrayWriter(element: Write, compact: boolean, nullable: boolean, path: string): Write {
  return (w, v) => {
    if (v === null || v === undefined) {
      if (!nullable && v === null) throw new EncodeError(`${path}: null array where none is allowed`);
      if (v === null) return void (compact ? w.uvarint(0) : w.int32(-1));
      v = [];
    }
    const a = v as unknown[];
    if (compact) w.uvarint(a.length + 1);
    else w.int32(a.length);
    for (let i = 0; i < a.length; i++) element(w, a[i]);
  };
}

function primitive(
  type: string,
  nullable: boolean,
  compact: boolean,
  path: string,
): { read: Read; write: Write } {
  const notNull = (v: unknown) => {
    if (v === null) throw new EncodeError(`${path}: null where none is allowed`);
    return v;
  };
  switch (type) {
    case 'bool':
      return { read: (r) => r.bool(), write: (w, v) => w.bool(v as boolean) };
    case 'int8':
      return { read: (r) => r.int8(), write: (w, v) => w.int8(v as number) };
    case 'int16':
      return { read: (r) => r.int16(), write: (w, v) => w.int16(v as number) };
    case 'uint16':
      return { read: (r) => r.uint16(), write: (w, v) => w.uint16(v as number) };
    case 'int32':
      return { read: (r) => r.int32(), write: (w, v) => w.int32(v as number) };
    case 'uint32':
      return { read: (r) => r.uint32(), write: (w, v) => w.uint32(v as number) };
    case 'int64':
      return { read: (r) => r.int64(), write: (w, v) => w.int64(v as number) };
    case 'float64':
      return { read: (r) => r.float64(), write: (w, v) => w.float64(v as number) };
    case 'uuid':
      return { read: (r) => r.uuid(), write: (w, v) => w.uuid(v as string) };
    case 'string':
      if (compact) {
        return nullable
          ? {
              read: (r) => r.compactNullableString(),
              write: (w, v) => w.compactNullableString(v as string | null),
            }
          : { read: (r) => r.compactString(), write: (w, v) => w.compactString(notNull(v) as string) };
      }
      return nullable
        ? { read: (r) => r.nullableString(), write: (w, v) => w.nullableString(v as string | null) }
        : { read: (r) => r.string(), write: (w, v) => w.string(notNull(v) as string) };
    case 'records':
      return recordsCodec(compact, nullable, path);
    case 'bytes':
      if (compact) {
        return nullable
          ? {
              read: (r) => r.compactNullableBytes(),
              write: (w, v) => w.compactNullableBytes(v as Buffer | null),
            }
          : { read: (r) => r.compactBytes(), write: (w, v) => w.compactBytes(notNull(v) as Buffer) };
      }
      return nullable
        ? { read: (r) => r.nullableBytes(), write: (w, v) => w.nullableBytes(v as Buffer | null) }
        : { read: (r) => r.bytes(), write: (w, v) => w.bytes(notNull(v) as Buffer) };
    default:
      throw new Error(`${path}: unknown type ${type}`);
  }
}

/** Records: like nullable bytes, but an encoder may be handed a list of slices to write by reference. */
function recordsCodec(compact: boolean, nullable: boolean, path: string): { read: Read; write: Write } {
  const read: Read = compact
    ? nullable
      ? (r) => r.compactNullableBytes()
      : (r) => r.compactBytes()
    : nullable
      ? (r) => r.nullableBytes()
      : (r) => r.bytes();
  const write: Write = (w, v) => {
    if (v === null || v === undefined) {
      if (!nullable) throw new EncodeError(`${path}: null where none is allowed`);
      if (compact) w.uvarint(0);
      else w.int32(-1);
      return;
    }
    const chunks: readonly Buffer[] = Buffer.isBuffer(v) ? [v] : (v as readonly Buffer[]);
    let total = 0;
    for (const c of chunks) total += c.length;
    if (compact) w.uvarint(total + 1);
    else w.int32(total);
    w.rawChunks(chunks);
  };
  return { read, write };
}

const EMPTY = Buffer.alloc(0);

function defaultMaker(f: FieldDecl, version: number, flexible: boolean, path: string): () => unknown {
  const d: DefaultValue | undefined = f.default;
  if (d === null) return () => null;
  if (f.type === '[]' || f.type.startsWith('[]')) return () => [];
  if (f.type === '{}') {
    const struct = compileStruct(f.fields ?? [], version, flexible, path);
    return struct.makeDefault;
  }
  switch (f.type) {
    case 'bool':
      return d === undefined ? () => false : () => d === true || d === 'true';
    case 'string':
      return () => (d === undefined ? '' : String(d));
    case 'uuid':
      return () => ZERO_UUID;
    case 'bytes':
      return () => EMPTY;
    case 'records':
      return () => null;
    default: {
      const n = d === undefined ? 0 : Number(d);
      return () => n;
    }
  }
}

export { parseVersions };
