/**
 * Users (GET /v1/admin/users, from ClickHouse): balance, held, pending and the points
 * expiring soon per user, largest balance first, filtered by the API's filters; page by
 * page and as CSV. Each user links to the customer page.
 */
import { searchUsers } from '../../api/endpoints.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Empty, Loading } from '../../components/Status.tsx';
import { Table } from '../../components/Table.tsx';
import { points, utc } from '../../format.ts';
import { customerHref } from '../../hooks/useHashRoute.ts';
import { CsvDownload } from '../CsvDownload.tsx';
import { FilterField } from '../FilterField.tsx';
import { FilterForm, PageSizeField } from '../FilterForm.tsx';
import { Pager } from '../Pager.tsx';
import { useFilteredSearch } from '../useFilteredSearch.ts';
import { NO_USER_FILTERS, USER_FILTERS, type UserFilter, expiringWindow, userSearchParams } from './user-filters.ts';

const FIELDS: [UserFilter, string, string][] = [
  ['minBalance', 'Min balance', 'Points, inclusive.'],
  ['maxBalance', 'Max balance', 'Points, inclusive.'],
  ['expiringWithinDays', 'Expiring within (days)', '1 to 3,650: the window of the “Expiring” column.'],
  ['minExpiring', 'Min expiring', 'Points expiring in that window, at least.'],
];

export function UsersPage() {
  const s = useFilteredSearch({ none: NO_USER_FILTERS, fields: USER_FILTERS, toParams: userSearchParams, load: searchUsers });
  const { values, setValues, errors, pages, refused, items, filters } = s;
  const { page } = pages;
  const set = (name: UserFilter) => (v: string) => setValues({ ...values, [name]: v });

  return (
    <>
      <h1>Users</h1>
      <section className="panel" aria-labelledby="user-filters-title">
        <h2 id="user-filters-title">Filters</h2>
        <FilterForm label="User filters" onSearch={s.search} onClear={() => setValues(NO_USER_FILTERS)}>
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
          <PageSizeField id="us-limit" value={values.limit} onChange={set('limit')} error={errors.limit} />
        </FilterForm>
        {refused && <ErrorMessage error={refused} context="The API refused these filters." />}
      </section>
      <section className="panel" aria-labelledby="users-title" aria-busy={page.loading}>
        <div className="panel-head">
          <h2 id="users-title">Users</h2>
          {!refused && <CsvDownload path="/v1/admin/users" filters={s.params} name="users" />}
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
                { label: `Expiring (${expiringWindow(s.params)})`, num: true, cell: (u) => points(u.expiring) },
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
