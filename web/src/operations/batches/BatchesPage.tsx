/**
 * Grant batches (POST /v1/points/grant-batches): upload a CSV of grants; a refused one
 * shows its bad rows by line and ref; an accepted one shows its progress until DONE, then
 * its totals and the failed rows (the last accepted batch stays shown).
 */
import { useState } from 'react';
import { BatchProgress } from './BatchProgress.tsx';
import { BatchUpload } from './BatchUpload.tsx';
import { useBatchUpload } from './useBatchUpload.ts';

export function BatchesPage() {
  const { state, upload } = useBatchUpload();
  const [batchId, setBatchId] = useState<string | null>(null);
  return (
    <>
      <h1>Grant batches</h1>
      <BatchUpload
        state={state}
        onUpload={(source) =>
          void upload(source).then((batch) => {
            if (batch) setBatchId(batch.batchId);
          })
        }
      />
      {batchId && <BatchProgress key={batchId} batchId={batchId} />}
    </>
  );
}
