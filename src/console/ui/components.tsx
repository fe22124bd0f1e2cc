// Pieces the pages share: data loading with refresh, messages, dialogs, a windowed table for long
// lists, and the lag chart (plain SVG).
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure, api } from './api';
import { count, time } from './format';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` now and every `refreshMs` (when given) while the page is shown. */
export function useData<T>(path: string | null, refreshMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (e: ApiFailure) => live && setState((s) => ({ data: s.data, error: e.message, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  useEffect(() => {
    if (!refreshMs || path === null) return;
    const t = setInterval(reload, refreshMs);
    return () => clearInterval(t);
  }, [path, refreshMs, reload]);
  return { ...state, reload };
}

export function ErrorBox({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {error}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <div class="muted">Loading {what}…</div>;
}

export function Modal(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
}) {
  useEffect(() => {
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && props.onClose();
    addEventListener('keydown', esc);
    return () => removeEventListener('keydown', esc);
  }, [props.onClose]);
  return (
    <div class="backdrop">
      <div class={props.wide ? 'modal wide' : 'modal'} role="dialog" aria-label={props.title}>
        <header>
          <h2>{props.title}</h2>
          <button type="button" class="icon" aria-label="Close" onClick={props.onClose}>
            ×
          </button>
        </header>
        {props.children}
      </div>
    </div>
  );
}

/** Runs an action with a busy flag and its error; resolves with whether it worked. */
export function useAction(): {
  busy: boolean;
  error: string | null;
  run: (f: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
      return true;
    } catch (e) {
      setError(e instanceof ApiFailure ? e.message : String(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

export function Confirm(props: {
  title: string;
  text: string;
  action: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}) {
  const act = useAction();
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <p>{props.text}</p>
      <ErrorBox error={act.error} />
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="danger"
          disabled={act.busy}
          onClick={async () => {
            if (await act.run(props.onConfirm)) props.onClose();
          }}
        >
          {props.action}
        </button>
      </div>
    </Modal>
  );
}

const ROW_PX = 33;
const WINDOW_ABOVE = 300;

/**
 * Which rows of a long table to render: those in view plus a margin, so a list of thousands of
 * topics costs what a screenful does. The body goes in a scrolling box of `heightPx`.
 */
export function useWindow(total: number, heightPx = 640) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const windowed = total > 200;
  const first = windowed ? Math.max(0, Math.floor((top - WINDOW_ABOVE) / ROW_PX)) : 0;
  const last = windowed ? Math.min(total, first + Math.ceil((heightPx + 2 * WINDOW_ABOVE) / ROW_PX)) : total;
  return { box, onScroll: () => setTop(box.current?.scrollTop ?? 0), first, last, windowed };
}

export function Spacer({ rows, columns }: { rows: number; columns: number }) {
  if (rows <= 0) return null;
  return (
    <tr class="spacer" style={{ height: `${rows * ROW_PX}px` }}>
      <td colSpan={columns} />
    </tr>
  );
}

export function Stat(props: { label: string; value: ComponentChildren; warn?: boolean }) {
  return (
    <div class={props.warn ? 'stat warn' : 'stat'} data-stat={props.label}>
      <div class="value">{props.value}</div>
      <div class="label">{props.label}</div>
    </div>
  );
}

/** Total lag over time as a line (SVG, no library): time on x, records on y. */
export function LagChart({ points }: { points: [number, number][] }) {
  if (points.length < 2)
    return (
      <div class="chart empty muted">
        The chart fills in as lag is sampled ({points.length} point so far).
      </div>
    );
  const w = 720;
  const h = 180;
  const pad = { l: 56, r: 12, t: 10, b: 24 };
  const t0 = points[0][0];
  const t1 = points[points.length - 1][0];
  const max = Math.max(1, ...points.map((p) => p[1]));
  const x = (t: number) => pad.l + ((t - t0) / Math.max(1, t1 - t0)) * (w - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - v / max) * (h - pad.t - pad.b);
  const line = points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
  const last = points[points.length - 1];
  return (
    <svg class="chart" viewBox={`0 0 ${w} ${h}`} role="img" aria-label="lag over time">
      <line x1={pad.l} y1={y(0)} x2={w - pad.r} y2={y(0)} class="axis" />
      <line x1={pad.l} y1={y(max)} x2={w - pad.r} y2={y(max)} class="grid" />
      <text x={pad.l - 6} y={y(max) + 4} text-anchor="end">
        {count(max)}
      </text>
      <text x={pad.l - 6} y={y(0) + 4} text-anchor="end">
        0
      </text>
      <text x={pad.l} y={h - 6}>
        {time(t0).slice(11, 19)}
      </text>
      <text x={w - pad.r} y={h - 6} text-anchor="end">
        {time(t1).slice(11, 19)}
      </text>
      <polyline points={`${x(t0)},${y(0)} ${line} ${x(t1)},${y(0)}`} class="area" />
      <polyline points={line} class="line" />
      <circle cx={x(last[0])} cy={y(last[1])} r="3.5" class="dot" />
    </svg>
  );
}
