/**
 * Users (GET /v1/admin/users, from ClickHouse): balance, held, pending and the points
 * expiring soon per user, largest balance first, filtered by the API's filters; page by
 * page and as CSV. Each user links to the customer page.
 */
import { type FormEvent, useState } from 'react';
import { searchUsers, type SearchParams } from '../../api/endpoints.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Empty, Loading } from '../../components/Status.tsx';
import { Table } from '../../components/Table.tsx';
import { fieldErrorsOf } from '../../forms/form-helpers.ts';
import { points, utc } from '../../format.ts';
import { customerHref } from '../../hooks/useHashRoute.ts';
import { CsvDownload } from '../CsvDownload.tsx';
import { FilterField } from '../FilterField.tsx';
import { Pager } from '../Pager.tsx';
import { describeFilters } from '../search-params.ts';
import { SelectField } from '../SelectField.tsx';
import { useCursorPages } from '../useCursorPages.ts';
import { PAGE_SIZES } from '../search/event-filters.ts';
import { NO_USER_FILTERS, USER_FILTERS, type UserFilter, type UserFilterValues, expiringWindow, userSearchParams } from './user-filters.ts';

const FIELDS: [UserFilter, string, string][] = [
  ['minBalance', 'Min balance', 'Points, inclusive.'],
  ['maxBalance', 'Max balance', 'Points, inclusive.'],
  ['expiringWithinDays', 'Expiring within (days)', '1 to 3,650: the window of the “Expiring” column.'],
  ['minExpiring', 'Min expiring', 'Points expiring in that window, at least.'],
];

export function UsersPage() {
  const [values, setValues] = useState<UserFilterValues>(NO_USER_FILTERS);
  const [search, setSearch] = useState<{ params: SearchParams; n: number }>(() => ({ params: userSearchParams(NO_USER_FILTERS), n: 0 }));
  const pages = useCursorPages((cursor, signal) => searchUsers(search.params, cursor, signal), [search]);
  const { page } = pages;
  const refused = page.error?.code === 'VALIDATION_FAILED' ? page.error : undefined;
  const errors: Partial<Record<UserFilter, string>> = refused ? fieldErrorsOf(refused, USER_FILTERS) : {};
  const items = refused ? undefined : page.data?.items;
  const filters = describeFilters(search.params);
  const set = (name: UserFilter) => (v: string) => setValues({ ...values, [name]: v });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setSearch((s) => ({ params: userSearchParams(values), n: s.n + 1 }));
  };

  return (
    <>
      <h1>Users</h1>
      <section className="panel" aria-labelledby="user-filters-title">
        <h2 id="user-filters-title">Filters</h2>
        <form className="filters" onSubmit={onSubmit} noValidate aria-label="User filters">
          <div className="filters-grid">
            {FIELDS.map(([name, label, hint]) => (
              <FilterField
                key={name}
                id={`us-${name}`}
                label={label}
                value={values[name]}
                onChange={set(name)}
                error={errors[name]}
                hint={hint}
                inputMode="numeric"
              />
            ))}
            <SelectField
              id="us-limit"
              label="Rows per page"
              value={values.limit}
              onChange={set('limit')}
              error={errors.limit}
              options={PAGE_SIZES.map((s): [string, string] => [s, s])}
            />
          </div>
          <div className="inline-actions">
            <button type="submit" className="button button-primary">
              Search
            </button>
            <button type="button" className="button" onClick={() => setValues(NO_USER_FILTERS)}>
              Clear filters
            </button>
          </div>
        </form>
        {refused && <ErrorMessage error={refused} context="The API refused these filters." />}
      </section>
      <section className="panel" aria-labelledby="users-title" aria-busy={page.loading}>
        <div className="panel-head">
          <h2 id="users-title">Users</h2>
          {!refused && <CsvDownload path="/v1/admin/users" filters={search.params} name="users" />}
        </div>
        <p className="muted small">Largest balance first · {filters}</p>
        {page.error && !refused && <ErrorMessage error={page.error} context="The users could not be searched." />}
        {page.loading && !items && <Loading what="Searching the users…" />}
        {items && items.length === 0 && <Empty>{pages.pageNo === 1 ? 'No user matches these filters.' : 'No more users.'}</Empty>}
        {items && items.length > 0 && (
          <div className="table-scroll">
            <Table
              caption={`Users, largest balance first, page ${pages.pageNo}: ${filters}`}
              className={page.loading ? 'stale' : undefined}
              testId="user-results"
              rows={items}
              rowKey={(u) => u.userId}
              rowAttributes={(u) => ({ 'data-user': u.userId })}
              columns={[
                {
                  label: 'User',
                  cell: (u) => (
                    <a className="user-id" href={customerHref(u.userId)}>
                      {u.userId}
                    </a>
                  ),
                },
                { label: 'Balance', num: true, cell: (u) => points(u.balance) },
                { label: 'Held', num: true, cell: (u) => points(u.held) },
                { label: 'Pending', num: true, cell: (u) => points(u.pending) },
                { label: `Expiring (${expiringWindow(search.params)})`, num: true, cell: (u) => points(u.expiring) },
                { label: 'Last event', cell: (u) => utc(u.lastEventAt) },
              ]}
            />
          </div>
        )}
        <Pager pages={pages} label="User pages" />
      </section>
    </>
  );
}
