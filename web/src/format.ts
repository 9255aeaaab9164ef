/** How numbers and times are written on screen (times in UTC, as the API keeps them). */

const nf = new Intl.NumberFormat('en-US');

export const points = (n: number) => nf.format(n);

/** 1234 → 1.2k, 14011985066 → 14B: for chart axes. */
export function compact(n: number): string {
  const a = Math.abs(n);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [v, u] of units) {
    if (a >= v) {
      const x = n / v;
      return `${Math.abs(x) >= 10 ? Math.round(x) : Math.round(x * 10) / 10}${u}`;
    }
  }
  return String(Math.round(n * 10) / 10);
}

/** 2026-11-21T20:37:26.490Z → 2026-11-21 20:37:26 UTC */
export function utc(iso: string | null | undefined, { seconds = true } = {}): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const s = d.toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, seconds ? 19 : 16)} UTC`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Bytes in SI units: 0 → "0 B", 24300 → "24.3 kB", 1_500_000 → "1.5 MB". */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  if (i === 0) return `${Math.round(v)} B`;
  return `${Math.abs(v) >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** A short duration for a chart axis: 0, 500ms, 1.5s, 2m. */
export function shortDuration(ms: number): string {
  const r = (x: number) => Math.round(x * 10) / 10;
  if (ms === 0) return '0';
  if (ms < 1000) return `${r(ms)}ms`;
  if (ms < 60_000) return `${r(ms / 1000)}s`;
  if (ms < 3_600_000) return `${r(ms / 60_000)}m`;
  return `${r(ms / 3_600_000)}h`;
}

/** The time of day in UTC: 00:40:55 (or 00:40 without seconds). */
export function clock(t: number, { seconds = true } = {}): string {
  const s = new Date(t).toISOString();
  return s.slice(11, seconds ? 19 : 16);
}

/** YYYY-MM-DD of a time, in UTC. */
export const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

export const EVENT_LABELS: Record<string, string> = {
  POINTS_GRANTED: 'Granted',
  POINTS_GRANT_PENDING: 'Granted (pending)',
  POINTS_GRANT_ACTIVATED: 'Pending grant activated',
  POINTS_USED: 'Used',
  POINTS_USE_CANCELED: 'Use cancelled',
  POINTS_HELD: 'Held',
  POINTS_HOLD_RELEASED: 'Hold released',
  POINTS_EXPIRED: 'Expired',
  POINTS_REVOKED: 'Revoked',
};

export const eventLabel = (type: string) => EVENT_LABELS[type] ?? type;
