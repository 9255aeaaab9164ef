/**
 * What a filter form sends: each field's text, trimmed, and left out when empty. The API
 * checks the values (its VALIDATION_FAILED details land next to the fields); the console
 * only turns the UTC date-and-time fields into the ISO-8601 times the API reads.
 */
import type { SearchParams } from '../api/endpoints.ts';

/** How a field's text becomes its parameter: as typed, or a UTC minute as the start or the end of that minute. */
export type FieldKind = 'text' | 'fromMinute' | 'toMinute';

/** `2026-12-03T10:15` (a datetime-local field, read as UTC) → `2026-12-03T10:15:00.000Z`. */
export const minuteStart = (value: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00.000Z` : value);

/** The last millisecond of that minute, so that a `to` of 10:15 takes in what happened during 10:15 (`to` is inclusive). */
export const minuteEnd = (value: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:59.999Z` : value);

export function toSearchParams<K extends string>(values: Record<K, string>, kinds: Partial<Record<K, FieldKind>> = {}): SearchParams {
  const out: SearchParams = {};
  for (const name of Object.keys(values) as K[]) {
    const v = values[name].trim();
    if (v === '') continue;
    const kind = kinds[name] ?? 'text';
    out[name] = kind === 'fromMinute' ? minuteStart(v) : kind === 'toMinute' ? minuteEnd(v) : v;
  }
  return out;
}

/** The filters in words, for a caption: `userId u-1 · type POINTS_USED`; "no filters" when none is set. */
export function describeFilters(params: SearchParams, skip: readonly string[] = ['limit']): string {
  const parts = Object.entries(params).filter(([k, v]) => v !== undefined && !skip.includes(k));
  return parts.length === 0 ? 'no filters' : parts.map(([k, v]) => `${k} ${v}`).join(' · ');
}
