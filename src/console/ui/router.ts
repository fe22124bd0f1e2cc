// Routes live in the URL hash (#/topics/orders/messages), so every page has an address to share and
// the server needs no route table of its own.
import { useEffect, useState } from 'preact/hooks';

function current(): string[] {
  return location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const on = () => setRoute(current());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function href(...parts: (string | number)[]): string {
  return `#/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`;
}

export function go(...parts: (string | number)[]): void {
  location.hash = href(...parts);
}
