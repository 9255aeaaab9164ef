/**
 * Search events (GET /v1/admin/events, from ClickHouse): every filter of the API, the
 * matches newest first page by page (nextCursor), and all of them as CSV. The filters are
 * checked by the API; its field problems are shown next to the fields.
 */
import { searchEvents } from '../../api/endpoints.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Empty, Loading } from '../../components/Status.tsx';
import { CsvDownload } from '../CsvDownload.tsx';
import { Pager } from '../Pager.tsx';
import { useFilteredSearch } from '../useFilteredSearch.ts';
import { EVENT_FILTERS, eventSearchParams, NO_EVENT_FILTERS } from './event-filters.ts';
import { EventFilters } from './EventFilters.tsx';
import { EventsTable } from './EventsTable.tsx';

export function SearchPage() {
  const s = useFilteredSearch({ none: NO_EVENT_FILTERS, fields: EVENT_FILTERS, toParams: eventSearchParams, load: searchEvents });
  const { pages, refused, items, filters } = s;
  const { page } = pages;

  return (
    <>
      <h1>Search events</h1>
      <section className="panel" aria-labelledby="event-filters-title">
        <h2 id="event-filters-title">Filters</h2>
        <EventFilters values={s.values} onChange={s.setValues} onSearch={s.search} errors={s.errors} />
        {refused && <ErrorMessage error={refused} context="The API refused these filters." />}
      </section>
      <section className="panel" aria-labelledby="events-title" aria-busy={page.loading}>
        <div className="panel-head">
          <h2 id="events-title">Events</h2>
          {!refused && <CsvDownload path="/v1/admin/events" filters={s.params} name="events" />}
        </div>
        <p className="muted small">Newest first · {filters}</p>
        {page.error && !refused && <ErrorMessage error={page.error} context="The events could not be searched." />}
        {page.loading && !items && <Loading what="Searching the events…" />}
        {items && items.length === 0 && <Empty>{pages.pageNo === 1 ? 'No event matches these filters.' : 'No more events.'}</Empty>}
        {items && items.length > 0 && <EventsTable items={items} caption={`Events, newest first, page ${pages.pageNo}: ${filters}`} stale={page.loading} />}
        <Pager pages={pages} label="Event pages" />
      </section>
    </>
  );
}
