/**
 * The filter form of a search page: its fields in a grid, then Search and Clear filters.
 * A search while one is loading replaces it (the loading one is aborted): the button stays
 * enabled.
 */
import type { FormEvent, ReactNode } from 'react';
import { PAGE_SIZES } from './search/event-filters.ts';
import { SelectField } from './SelectField.tsx';

interface Props {
  /** The form's accessible name ("Event filters"). */
  label: string;
  onSearch: () => void;
  onClear: () => void;
  children: ReactNode;
}

export function FilterForm({ label, onSearch, onClear, children }: Props) {
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    onSearch();
  };
  return (
    <form className="filters" onSubmit={onSubmit} noValidate aria-label={label}>
      <div className="filters-grid">{children}</div>
      <div className="inline-actions">
        <button type="submit" className="button button-primary">
          Search
        </button>
        <button type="button" className="button" onClick={onClear}>
          Clear filters
        </button>
      </div>
    </form>
  );
}

interface PageSizeProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}

/** The `limit` filter: rows per page, one of PAGE_SIZES. */
export const PageSizeField = (p: PageSizeProps) => <SelectField {...p} label="Rows per page" options={PAGE_SIZES.map((s): [string, string] => [s, s])} />;
