// A histogram with fixed log-linear buckets: `perOctave` buckets between each power of two from
// `lowest` up to `highest`, and one overflow bucket. Recording a value is an index computation and
// a few increments; quantiles are computed only when asked (at scrape time).
//
// Besides the counts since start (for `_count` and `_sum`), the histogram keeps `slots` time slots of
// `slotMs` each, so quantiles describe recent traffic (the last `slots - 1` to `slots` slots), as
// Kafka's exponentially decaying histograms favour the last minutes.

export interface HistogramOptions {
  /** Upper bound of the first bucket (values at or below it land there). */
  lowest: number;
  /** Values above this land in the overflow bucket. */
  highest: number;
  perOctave: number;
  slotMs: number;
  slots: number;
}

/** Request times in milliseconds: 10 µs to 100 s, eight buckets per doubling (about 9% wide). */
export const LATENCY_MS: HistogramOptions = {
  lowest: 0.01,
  highest: 100_000,
  perOctave: 8,
  slotMs: 15_000,
  slots: 4,
};

/** Bucket bounds by options: histograms with the same options share them. */
const BOUNDS = new Map<HistogramOptions, Float64Array>();

function boundsFor(options: HistogramOptions): Float64Array {
  let bounds = BOUNDS.get(options);
  if (!bounds) {
    const n = Math.ceil(Math.log2(options.highest / options.lowest) * options.perOctave) + 1;
    bounds = new Float64Array(n);
    for (let i = 0; i < n; i++) bounds[i] = options.lowest * 2 ** (i / options.perOctave);
    BOUNDS.set(options, bounds);
  }
  return bounds;
}

export class Histogram {
  /** Counts since start, per bucket (the last one is the overflow bucket). */
  readonly counts: Float64Array;
  count = 0;
  sum = 0;
  private readonly bounds: Float64Array;
  /** The slots' counts, one after the other (`width` each). */
  private readonly slotCounts: Float64Array;
  private readonly slotIds: number[];
  private readonly width: number;
  private readonly scale: number;

  constructor(private readonly options: HistogramOptions = LATENCY_MS) {
    this.bounds = boundsFor(options);
    this.width = this.bounds.length + 1;
    this.counts = new Float64Array(this.width);
    this.slotCounts = new Float64Array(this.width * options.slots);
    this.slotIds = new Array(options.slots).fill(-1);
    this.scale = options.perOctave;
  }

  /** The index of the bucket `value` falls in. */
  bucketOf(value: number): number {
    if (!(value > this.options.lowest)) return 0;
    const i = Math.ceil(Math.log2(value / this.options.lowest) * this.scale);
    const n = this.bounds.length;
    if (i >= n) return value <= this.bounds[n - 1] ? n - 1 : n;
    // Rounding in log2 may land one bucket off at exact boundaries.
    return value > this.bounds[i] ? i + 1 : i;
  }

  observe(value: number, nowMs: number): void {
    const i = this.bucketOf(value);
    this.counts[i]++;
    this.count++;
    this.sum += value;
    const id = Math.floor(nowMs / this.options.slotMs);
    const s = id % this.options.slots;
    if (this.slotIds[s] !== id) {
      this.slotCounts.fill(0, s * this.width, (s + 1) * this.width);
      this.slotIds[s] = id;
    }
    this.slotCounts[s * this.width + i]++;
  }

  /** Bucket upper bounds (the overflow bucket's is +Inf). */
  upperBound(i: number): number {
    return i < this.bounds.length ? this.bounds[i] : Number.POSITIVE_INFINITY;
  }

  /** Counts per bucket over the recent slots. */
  recent(nowMs: number): { counts: Float64Array; total: number } {
    const current = Math.floor(nowMs / this.options.slotMs);
    const counts = new Float64Array(this.counts.length);
    let total = 0;
    for (let s = 0; s < this.options.slots; s++) {
      const id = this.slotIds[s];
      if (id < 0 || id <= current - this.options.slots || id > current) continue;
      const base = s * this.width;
      for (let i = 0; i < this.width; i++) {
        const c = this.slotCounts[base + i];
        counts[i] += c;
        total += c;
      }
    }
    return { counts, total };
  }

  /** The q-quantile (0 < q <= 1) of recent values, interpolated within its bucket; NaN when empty. */
  quantile(q: number, nowMs: number): number {
    return this.quantiles([q], nowMs)[0];
  }

  quantiles(qs: readonly number[], nowMs: number): number[] {
    const { counts, total } = this.recent(nowMs);
    if (total === 0) return qs.map(() => Number.NaN);
    return qs.map((q) => this.rank(counts, Math.max(1, Math.ceil(q * total))));
  }

  private rank(counts: Float64Array, target: number): number {
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] === 0) continue;
      if (seen + counts[i] >= target) {
        const lower = i === 0 ? 0 : this.bounds[i - 1];
        const upper = i < this.bounds.length ? this.bounds[i] : this.bounds[this.bounds.length - 1];
        return lower + ((upper - lower) * (target - seen)) / counts[i];
      }
      seen += counts[i];
    }
    return this.bounds[this.bounds.length - 1];
  }
}
