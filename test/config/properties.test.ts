import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProperties } from '../../src/config/properties.js';

function parse(text: string): Record<string, string> {
  const r = parseProperties(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return Object.fromEntries(r.entries.map((e) => [e.key, e.value]));
}

test('the three separators, and blanks around them', () => {
  assert.deepEqual(parse('a=1\nb: 2\nc 3\nd\t=\t4\ne :5\nf   6'), {
    a: '1',
    b: '2',
    c: '3',
    d: '4',
    e: '5',
    f: '6',
  });
});

test('only one separator is skipped: the rest of the line is the value, trailing blanks kept', () => {
  assert.deepEqual(parse('a==1\nb = : 2\nc=x=y  '), { a: '=1', b: ': 2', c: 'x=y  ' });
});

test('a key with no value, and a line with only a key and a separator', () => {
  assert.deepEqual(parse('lonely\nempty=\ncolon:'), { lonely: '', empty: '', colon: '' });
});

test('comments start with # or ! after optional blanks; blank lines are skipped', () => {
  assert.deepEqual(parse('# c\n  ! c2\n\n   \n\ta=1\nb=2 # not a comment'), {
    a: '1',
    b: '2 # not a comment',
  });
});

test('a backslash at the end of a line continues it, and the next line loses its leading blanks', () => {
  assert.deepEqual(parse('listeners=PLAINTEXT://:9092,\\\n    CONTROLLER://:9093\nnext=1'), {
    listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093',
    next: '1',
  });
});

test('an even number of trailing backslashes does not continue; a continued line may look like a comment', () => {
  assert.deepEqual(parse('a=x\\\\\nb=y\\\n# still b\nc=z'), { a: 'x\\', b: 'y# still b', c: 'z' });
});

test('a comment line ending in a backslash does not continue', () => {
  assert.deepEqual(parse('# comment \\\na=1'), { a: '1' });
});

test('a backslash at the very end of the text is dropped', () => {
  assert.deepEqual(parse('a=1\\'), { a: '1' });
});

test('escapes: \\t \\n \\r \\f, \\uXXXX, and any other escaped character stands for itself', () => {
  assert.deepEqual(parse('a=\\t\\n\\r\\f\nb=caf\\u00e9\nc=\\:\\=\\ \\#\\q'), {
    a: '\t\n\r\f',
    b: 'café',
    c: ':= #q',
  });
});

test('escaped separators and blanks belong to the key', () => {
  assert.deepEqual(parse('my\\ key=1\na\\=b=2\nc\\:d:3'), { 'my key': '1', 'a=b': '2', 'c:d': '3' });
});

test('CRLF and CR line ends, a byte order mark, and UTF-8 text', () => {
  assert.deepEqual(parse('\uFEFFa=1\r\nb=2\rc=日本'), { a: '1', b: '2', c: '日本' });
});

test('a later duplicate wins, and entries carry the line they start on', () => {
  const r = parseProperties('a=1\n\n# x\na=2\nb=\\\n 3');
  assert.ok(r.ok);
  assert.deepEqual(
    r.entries.map((e) => [e.key, e.value, e.line]),
    [
      ['a', '1', 1],
      ['a', '2', 4],
      ['b', '3', 5],
    ],
  );
  assert.equal(parse('a=1\na=2').a, '2');
});

test('a malformed \\u escape is an error naming the line', () => {
  const r = parseProperties('ok=1\nbad=\\u12G4');
  assert.deepEqual(r, { ok: false, error: 'Malformed \\uxxxx encoding', line: 2 });
});
