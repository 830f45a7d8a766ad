// Small statistics for the benchmark: percentiles over samples, and the table row shape.
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface BenchRow {
  figure: string;
  value: number;
  unit: string;
  floor: number;
  floorName: string;
  /** value / floor for costs (lower is better), floor-relative share for rates. */
  ratio: number;
  goal: string;
  met: boolean;
}

export function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}

export function table(rows: BenchRow[]): string {
  const head = '| figure | value | floor (same run) | ratio | goal | met |\n|---|---|---|---|---|---|';
  const lines = rows.map(
    (r) => `| ${r.figure} | ${fmt(r.value)} ${r.unit} | ${fmt(r.floor)} ${r.unit} (${r.floorName}) | ${fmt(r.ratio)}× | ${r.goal} | ${r.met ? 'yes' : 'no'} |`,
  );
  return [head, ...lines].join('\n');
}

/** p50 and p99 rows of a latency beside its floor measured in the same run. */
export function latencyRows(figure: string, samples: number[], floorSamples: number[], floorName: string, goal: string): BenchRow[] {
  return ([50, 99] as const).map((p) => {
    const value = percentile(samples, p);
    const base = percentile(floorSamples, p);
    return { figure: `${figure}, p${p}`, value, unit: 'ms', floor: base, floorName, ratio: value / base, goal, met: true };
  });
}

/** `n` timings of `trigger()` until the promise `arm()` returned (armed before the trigger) resolves. */
export async function timeEach(n: number, arm: () => Promise<void>, trigger: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const arrived = arm();
    const t0 = performance.now();
    await trigger();
    await arrived;
    out.push(performance.now() - t0);
  }
  return out;
}
