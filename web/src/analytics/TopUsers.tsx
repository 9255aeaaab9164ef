/** Top earners or spenders in the range (GET /v1/analytics/top-users). */
import { useState } from 'react';
import { getTopUsers } from '../api/endpoints.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/Status.tsx';
import { points } from '../format.ts';
import { useAsync } from '../hooks/useAsync.ts';
import { customerHref } from '../hooks/useHashRoute.ts';
import type { Range } from './RangeForm.tsx';

const LIMITS = [10, 25, 50, 100];

export function TopUsers({ range }: { range: Range }) {
  const [by, setBy] = useState<'earned' | 'spent'>('earned');
  const [limit, setLimit] = useState(10);
  const top = useAsync((signal) => getTopUsers(by, range.from, range.to, limit, signal), [by, range.from, range.to, limit]);
  return (
    <section className="panel" aria-labelledby="top-title" aria-busy={top.loading}>
      <h2 id="top-title">Top users</h2>
      <div className="form-inline">
        <div className="field">
          <label htmlFor="top-by">By</label>
          <select id="top-by" value={by} onChange={(e) => setBy(e.target.value === 'spent' ? 'spent' : 'earned')}>
            <option value="earned">Earned (granted − revoked)</option>
            <option value="spent">Spent (used − cancelled)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="top-limit">How many</label>
          <select id="top-limit" value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {LIMITS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
      </div>
      {top.error && <ErrorMessage error={top.error} context="The top users could not be loaded." />}
      {top.loading && !top.data && <Loading what="Loading the top users…" />}
      {top.data && top.data.length === 0 && <Empty>Nobody {by} points in this range.</Empty>}
      {top.data && top.data.length > 0 && (
        <table className={`table${top.loading ? ' stale' : ''}`}>
          <caption className="sr-only">
            Top users by points {by}, {range.from} to {range.to}
          </caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">User</th>
              <th scope="col" className="num">
                Points {by}
              </th>
            </tr>
          </thead>
          <tbody>
            {top.data.map((u, i) => (
              <tr key={u.userId}>
                <td data-label="#" className="num">
                  {i + 1}
                </td>
                <td data-label="User">
                  <a href={customerHref(u.userId)}>{u.userId}</a>
                </td>
                <td data-label={`Points ${by}`} className="num">
                  {points(u.points)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
