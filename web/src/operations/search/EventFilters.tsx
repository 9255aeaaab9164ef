/** The filter form of the event search: every filter of GET /v1/admin/events; the API's field problems next to each field. */
import { FilterField } from '../FilterField.tsx';
import { FilterForm, PageSizeField } from '../FilterForm.tsx';
import { eventLabel } from '../../format.ts';
import { SelectField } from '../SelectField.tsx';
import { EVENT_TYPES, type EventFilter, type EventFilterValues, NO_EVENT_FILTERS } from './event-filters.ts';

interface Props {
  values: EventFilterValues;
  onChange: (values: EventFilterValues) => void;
  onSearch: () => void;
  errors: Partial<Record<EventFilter, string>>;
}

const TEXT_FIELDS: [EventFilter, string, string?][] = [
  ['userId', 'User id'],
  ['orderId', 'Order id'],
  ['grantId', 'Grant id'],
  ['useId', 'Use id'],
  ['holdId', 'Hold id'],
  ['source', 'Source'],
  ['reasonContains', 'Reason contains', 'Any part of the reason.'],
];

export function EventFilters({ values, onChange, onSearch, errors }: Props) {
  const set = (name: EventFilter) => (v: string) => onChange({ ...values, [name]: v });
  const field = (name: EventFilter, label: string, hint?: string) => (
    <FilterField key={name} id={`ev-${name}`} label={label} value={values[name]} onChange={set(name)} error={errors[name]} hint={hint} />
  );
  return (
    <FilterForm label="Event filters" onSearch={onSearch} onClear={() => onChange(NO_EVENT_FILTERS)}>
      {TEXT_FIELDS.slice(0, 1).map(([n, l, h]) => field(n, l, h))}
      <SelectField
        id="ev-type"
        label="Event type"
        value={values.type}
        onChange={set('type')}
        error={errors.type}
        options={[['', 'Any type'], ...EVENT_TYPES.map((t): [string, string] => [t, `${eventLabel(t)} (${t})`])]}
      />
      {TEXT_FIELDS.slice(1).map(([n, l, h]) => field(n, l, h))}
      <FilterField id="ev-from" label="From (UTC)" type="datetime-local" value={values.from} onChange={set('from')} error={errors.from} hint="Inclusive." />
      <FilterField
        id="ev-to"
        label="To (UTC)"
        type="datetime-local"
        value={values.to}
        onChange={set('to')}
        error={errors.to}
        hint="Inclusive, to the end of that minute."
      />
      <FilterField
        id="ev-minAmount"
        label="Min points"
        inputMode="numeric"
        value={values.minAmount}
        onChange={set('minAmount')}
        error={errors.minAmount}
        hint="Inclusive."
      />
      <FilterField
        id="ev-maxAmount"
        label="Max points"
        inputMode="numeric"
        value={values.maxAmount}
        onChange={set('maxAmount')}
        error={errors.maxAmount}
        hint="Inclusive."
      />
      <PageSizeField id="ev-limit" value={values.limit} onChange={set('limit')} error={errors.limit} />
    </FilterForm>
  );
}
