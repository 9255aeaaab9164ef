/**
 * A search page's state: the filter form's values, the search they were last sent as
 * (`n` counts the searches: the same filters searched again load again, from the first
 * page), its pages, and the API's refusal of the filters (400 VALIDATION_FAILED) with its
 * field problems by filter. The event search and the users page both work this way.
 */
import { useState } from 'react';
import type { SearchParams } from '../api/endpoints.ts';
import type { ApiError } from '../api/errors.ts';
import type { CursorPage } from '../api/types.ts';
import { fieldErrorsOf } from '../forms/form-helpers.ts';
import { describeFilters } from './search-params.ts';
import { type CursorPages, useCursorPages } from './useCursorPages.ts';

interface Options<F extends string, T> {
  /** The form's values before anything is typed (also what is searched first). */
  none: Record<F, string>;
  /** The form's filters: the fields the API's problems are shown next to. */
  fields: readonly F[];
  toParams: (values: Record<F, string>) => SearchParams;
  load: (params: SearchParams, cursor: string | undefined, signal: AbortSignal) => Promise<CursorPage<T>>;
}

export interface FilteredSearch<F extends string, T> {
  values: Record<F, string>;
  setValues: (values: Record<F, string>) => void;
  /** Searches the values as they are now. */
  search: () => void;
  /** What the shown search sent. */
  params: SearchParams;
  pages: CursorPages<T>;
  /** The API's refusal of the filters, if it refused them. */
  refused: ApiError | undefined;
  errors: Partial<Record<F, string>>;
  /** The page's items; undefined while none is loaded or when the filters were refused. */
  items: T[] | undefined;
  /** The filters in words (describeFilters). */
  filters: string;
}

export function useFilteredSearch<F extends string, T>({ none, fields, toParams, load }: Options<F, T>): FilteredSearch<F, T> {
  const [values, setValues] = useState<Record<F, string>>(none);
  const [search, setSearch] = useState<{ params: SearchParams; n: number }>(() => ({ params: toParams(none), n: 0 }));
  const pages = useCursorPages((cursor, signal) => load(search.params, cursor, signal), [search]);
  const { page } = pages;
  const refused = page.error?.code === 'VALIDATION_FAILED' ? page.error : undefined;
  return {
    values,
    setValues,
    search: () => setSearch((s) => ({ params: toParams(values), n: s.n + 1 })),
    params: search.params,
    pages,
    refused,
    errors: refused ? fieldErrorsOf(refused, fields) : {},
    items: refused ? undefined : page.data?.items,
    filters: describeFilters(search.params),
  };
}
