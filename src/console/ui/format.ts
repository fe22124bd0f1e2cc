// Record bytes as the page shows them. The server sends base64; the page turns it into text,
// pretty JSON, hex or base64. The result is always a string put into a text node.
export type ByteFormat = 'text' | 'json' | 'hex' | 'base64';

const utf8 = new TextDecoder('utf-8');

export function bytesOf(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function showBytes(b64: string | null, format: ByteFormat): string {
  if (b64 === null) return 'null';
  if (format === 'base64') return b64;
  const bytes = bytesOf(b64);
  if (format === 'hex') {
    let s = '';
    for (let i = 0; i < bytes.length; i++)
      s += (i > 0 ? (i % 16 === 0 ? '\n' : ' ') : '') + bytes[i].toString(16).padStart(2, '0');
    return s;
  }
  const text = utf8.decode(bytes);
  if (format === 'json') {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

export function bytes(n: number): string {
  if (n < 0) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function count(n: number | null | undefined): string {
  if (n === null || n === undefined || n < 0) return '—';
  return n.toLocaleString('en-US');
}

export function rate(n: number | null): string {
  if (n === null) return '—';
  if (n === 0) return '0/s';
  return n < 10 ? `${n.toFixed(1)}/s` : `${Math.round(n).toLocaleString('en-US')}/s`;
}

export function time(ms: number): string {
  if (ms < 0) return '—';
  const d = new Date(ms);
  const pad = (x: number, w = 2) => String(x).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function seconds(s: number | null): string {
  if (s === null) return '—';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}
