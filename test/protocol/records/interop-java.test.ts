// Interop with the Java libraries Kafka's Java client compresses with, from Debian's packages
// libsnappy-java (xerial SnappyInputStream/SnappyOutputStream, as Kafka uses), libzstd-jni-java
// (ZstdInputStream/ZstdOutputStream, as Kafka uses) and liblz4-java (lz4-java's standard frame
// streams; Kafka's own Lz4BlockOutputStream is not packaged, it writes the same header).
// Needs java, javac and the jars (test/helpers/tools.ts: skipped, or failed under CI=true, without them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  Compression,
  compressionAvailable,
  compressionName,
  compressSync,
  DecompressionError,
  decompressSync,
} from '../../../src/protocol/records/index.js';
import { JAVA_CODEC_JARS, needs } from '../../helpers/tools.js';
import { rng, textBytes } from './helpers.js';

const JARS = JAVA_CODEC_JARS;
const CODECS = [
  [Compression.Snappy, 'snappy'],
  [Compression.Lz4, 'lz4'],
  [Compression.Zstd, 'zstd'],
] as const;

const SOURCE = `
import java.io.*;
import java.nio.file.*;
import org.xerial.snappy.SnappyInputStream;
import org.xerial.snappy.SnappyOutputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;

public class RecordsInterop {
  public static void main(String[] args) throws Exception {
    Path dir = Paths.get(args[0]);
    byte[] payload = Files.readAllBytes(dir.resolve("payload"));
    read(dir, "snappy", new SnappyInputStream(in(dir, "ours.snappy")), payload);
    read(dir, "lz4", new LZ4FrameInputStream(in(dir, "ours.lz4")), payload);
    read(dir, "zstd", new ZstdInputStream(in(dir, "ours.zstd")), payload);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (OutputStream o = new SnappyOutputStream(b)) { o.write(payload); }
    Files.write(dir.resolve("java.snappy"), b.toByteArray());
    b = new ByteArrayOutputStream();
    try (OutputStream o = new LZ4FrameOutputStream(b, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB)) { o.write(payload); }
    Files.write(dir.resolve("java.lz4"), b.toByteArray());
    b = new ByteArrayOutputStream();
    try (OutputStream o = new BufferedOutputStream(new ZstdOutputStream(b, 3), 16 * 1024)) { o.write(payload); }
    Files.write(dir.resolve("java.zstd"), b.toByteArray());
  }
  static InputStream in(Path dir, String name) throws IOException {
    return new ByteArrayInputStream(Files.readAllBytes(dir.resolve(name)));
  }
  static void read(Path dir, String name, InputStream in, byte[] want) throws IOException {
    byte[] got = in.readAllBytes();
    System.out.println(name + " " + (java.util.Arrays.equals(got, want) ? "same" : "different"));
  }
}
`;

test('Java (snappy-java, lz4-java, zstd-jni) reads our streams, and we read theirs', (t) => {
  if (!needs(t, 'java', 'java-codecs')) return;
  const codec = CODECS.find(([c]) => !compressionAvailable(c));
  if (codec) return t.skip(`${codec[1]} did not load here`);
  const dir = mkdtempSync(join(tmpdir(), 'samsa-records-java-'));
  try {
    const payload = textBytes(rng(31), 400_000);
    writeFileSync(join(dir, 'payload'), payload);
    writeFileSync(join(dir, 'RecordsInterop.java'), SOURCE);
    for (const [codec, name] of CODECS)
      writeFileSync(join(dir, `ours.${name}`), compressSync(codec, payload));
    const classpath = [...JARS, dir].join(':');
    const javac = spawnSync('javac', ['-cp', classpath, '-d', dir, join(dir, 'RecordsInterop.java')], {
      encoding: 'utf8',
    });
    assert.equal(javac.status, 0, javac.stderr);
    const java = spawnSync('java', ['-cp', classpath, 'RecordsInterop', dir], { encoding: 'utf8' });
    assert.equal(java.status, 0, java.stderr);
    assert.deepEqual(java.stdout.trim().split('\n'), ['snappy same', 'lz4 same', 'zstd same']);

    for (const [codec, name] of CODECS) {
      const theirs = readFileSync(join(dir, `java.${name}`));
      assert.ok(decompressSync(codec, theirs, payload.length).equals(payload), `${name}: Java's stream`);
      assert.throws(
        () => decompressSync(codec, theirs, payload.length - 1),
        (e: unknown) => e instanceof DecompressionError && e.reason === 'too-large',
      );
    }
    // Kafka's Java client writes this LZ4 frame header too (FLG 0x60, BD 0x40, checksum 0x82).
    const ours = (codec: Compression) => compressSync(codec, payload);
    assert.ok(
      readFileSync(join(dir, 'java.lz4')).subarray(0, 7).equals(ours(Compression.Lz4).subarray(0, 7)),
    );
    // Same xerial header and block layout as SnappyOutputStream (block bytes depend on the encoder).
    const javaSnappy = readFileSync(join(dir, 'java.snappy'));
    assert.deepEqual(xerialLayout(javaSnappy), xerialLayout(ours(Compression.Snappy)));
    t.diagnostic(
      `snappy stream ${javaSnappy.equals(ours(Compression.Snappy)) ? 'byte-identical to' : 'differs in block bytes from'} snappy-java's; ${compressionName(Compression.Zstd)} from zstd-jni has${readFileSync(join(dir, 'java.zstd'))[4] >>> 6 === 0 ? ' no' : ' a'} content size`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The xerial header and each block's declared decompressed length. */
function xerialLayout(stream: Buffer): { header: string; blocks: number[] } {
  const blocks: number[] = [];
  for (let pos = 16; pos < stream.length; ) {
    const length = stream.readInt32BE(pos);
    let value = 0;
    for (let i = 0, shift = 0; ; i++, shift += 7) {
      value += (stream[pos + 4 + i] & 0x7f) * 2 ** shift;
      if ((stream[pos + 4 + i] & 0x80) === 0) break;
    }
    blocks.push(value);
    pos += 4 + length;
  }
  return { header: stream.subarray(0, 16).toString('hex'), blocks };
}
