/** Analytics (ClickHouse): daily movement, points expiring ahead, top users. */
import { useState } from 'react';
import { DailyMovement } from '../analytics/DailyMovement.tsx';
import { ExpiringChart } from '../analytics/ExpiringChart.tsx';
import { RangeForm, type Range } from '../analytics/RangeForm.tsx';
import { TopUsers } from '../analytics/TopUsers.tsx';
import { addDays, today } from '../analytics/days.ts';

export function AnalyticsPage() {
  const [range, setRange] = useState<Range>(() => ({ from: addDays(today(), -29), to: today() }));
  return (
    <>
      <h1>Analytics</h1>
      <RangeForm range={range} onChange={setRange} />
      <DailyMovement range={range} />
      <div className="columns">
        <ExpiringChart />
        <TopUsers range={range} />
      </div>
    </>
  );
}
