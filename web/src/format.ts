/** How numbers and times are written on screen (times in UTC, as the API keeps them). */

const nf = new Intl.NumberFormat('en-US');

export const points = (n: number) => nf.format(n);

/** 1234 → 1.2k, 14011985066 → 14B: for chart axes. */
export function compact(n: number): string {
  const a = Math.abs(n);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
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

/** YYYY-MM-DD of a time, in UTC. */
export const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10);

export const EVENT_LABELS: Record<string, string> = {
  POINTS_GRANTED: 'Granted',
  POINTS_USED: 'Used',
  POINTS_USE_CANCELED: 'Use cancelled',
  POINTS_EXPIRED: 'Expired',
  POINTS_REVOKED: 'Revoked',
};

export const eventLabel = (type: string) => EVENT_LABELS[type] ?? type;
