/** Scales for the SVG charts: nice linear ticks, or log ticks for skewed data. */

export interface Scale {
  /** 0..1 of the plot height for a value. */
  ratio: (v: number) => number;
  ticks: number[];
}

export function niceStep(max: number, count: number): number {
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

export function linearScale(max: number, tickCount = 4): Scale {
  if (max <= 0) return { ratio: () => 0, ticks: [0] };
  const step = niceStep(max, tickCount);
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return { ratio: (v) => Math.max(0, v) / top, ticks };
}

export function logScale(max: number): Scale {
  if (max <= 0) return { ratio: () => 0, ticks: [0] };
  const top = Math.ceil(Math.log10(max + 1));
  const every = top > 6 ? Math.ceil(top / 5) : 1;
  const ticks = [0];
  for (let e = every; e < top; e += every) ticks.push(10 ** e);
  if (every === 1) ticks.splice(1, 0, 1);
  ticks.push(10 ** top);
  const ratio = (v: number) => (v <= 0 ? 0 : Math.log10(v + 1) / top);
  return { ratio, ticks: [...new Set(ticks)] };
}

/** A log scale reads better when the largest value dwarfs the typical one (over 1000×). */
export function suggestLog(values: number[]): boolean {
  const v = values.filter((x) => x > 0).sort((a, b) => a - b);
  if (v.length < 2) return false;
  const median = v[Math.floor(v.length / 2)]!;
  return v[v.length - 1]! / median > 1000;
}
