/** Liability (ClickHouse): what the ledger owes at the end of a day, and the monthly cohorts of grants. */
import { Cohorts } from './Cohorts.tsx';
import { LiabilityFacts } from './LiabilityFacts.tsx';

export function LiabilityPage() {
  return (
    <>
      <h1>Liability</h1>
      <LiabilityFacts />
      <Cohorts />
    </>
  );
}
