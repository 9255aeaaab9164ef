// @vitest-environment jsdom
import { render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { BatchStatus } from '../../api/types.ts';
import { apiError, json } from '../../test-support/fetch-mock.ts';
import { TEST_KEY, useComponentTestEnvironment } from '../../test-support/environment.ts';
import { BATCH_HEADER } from './batch.ts';
import { BatchesPage } from './BatchesPage.tsx';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The body as text: the CSV (fetch-mock reads bodies as JSON, a batch is not). */
  text: string | undefined;
}

/** jsdom's File has no text(): its FileReader reads it. */
const readText = (blob: Blob) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });

/** A fake fetch (component tests only) that keeps each body as its text. */
function batchApi(answer: (call: Sent) => Response | Promise<Response>) {
  const calls: Sent[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const body = init?.body;
      const text = typeof body === 'string' ? body : body instanceof Blob ? await readText(body) : undefined;
      const call = { method: init?.method ?? 'GET', path: new URL(String(input), 'http://console.test').pathname, headers, text };
      calls.push(call);
      return answer(call);
    }),
  );
  return { calls, posts: () => calls.filter((c) => c.method === 'POST') };
}

const status = (over: Partial<BatchStatus>): BatchStatus => ({
  batchId: 'b-1',
  state: 'RUNNING',
  total: 3,
  done: 0,
  failed: 0,
  errors: [],
  createdAt: '2026-12-03T10:00:00.000Z',
  updatedAt: '2026-12-03T10:00:00.000Z',
  ...over,
});

const GOOD = `${BATCH_HEADER}\nr1,alice,100,30,,,welcome,,\nr2,bob,50,30,,,welcome,,\nr3,carol,70,30,,,welcome,,\n`;

describe('BatchesPage', () => {
  useComponentTestEnvironment();

  it('shows the header line to use, and asks for a file or rows before sending anything', async () => {
    const api = batchApi(() => json(500, {}));
    render(<BatchesPage />);
    expect(screen.getByTestId('batch-sample').textContent!.split('\n')[0]).toBe(BATCH_HEADER);
    expect((screen.getByLabelText('Or paste the rows') as HTMLTextAreaElement).value).toBe(`${BATCH_HEADER}\n`);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Upload the batch' }));
    expect(screen.getByText('Choose a CSV file, or paste rows below the header.')).toBeTruthy();
    expect(api.calls).toHaveLength(0);
  });

  it('shows the bad rows of a refused batch by line and ref, with what is wrong', async () => {
    const api = batchApi(() =>
      apiError(400, 'VALIDATION_FAILED', '2 rows are not valid', [
        { ref: 'r2', line: 3, field: 'amount', message: 'must be >= 1' },
        { ref: 'r1', line: 2, field: 'userId', message: 'must match pattern "^[A-Za-z0-9_.:-]+$"' },
      ]),
    );
    render(<BatchesPage />);
    const user = userEvent.setup();
    const text = screen.getByLabelText('Or paste the rows');
    await user.clear(text);
    await user.click(text);
    await user.paste(`${BATCH_HEADER}\nr1,a b,100,30,,,x,,\nr2,bob,0,30,,,x,,\n`);
    await user.click(screen.getByRole('button', { name: 'Upload the batch' }));
    const table = await screen.findByTestId('batch-row-problems');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual(['2r1userIdmust match pattern "^[A-Za-z0-9_.:-]+$"', '3r2amountmust be >= 1']);
    expect(rows[0]!.getAttribute('data-line')).toBe('2');
    expect(screen.getByRole('alert').textContent).toContain('The batch was refused: nothing was granted.');
    expect(screen.getByRole('alert').textContent).toContain('2 rows are not valid');
    const [post] = api.posts();
    expect(post!.path).toBe('/v1/points/grant-batches');
    expect(post!.headers['content-type']).toBe('text/csv');
    expect(post!.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect(post!.text).toBe(`${BATCH_HEADER}\nr1,a b,100,30,,,x,,\nr2,bob,0,30,,,x,,\n`);
    expect(post!.headers['idempotency-key']).toMatch(UUID);
  });

  it('sends a chosen file, then follows the batch every second until DONE, with its totals and the failed rows', async () => {
    let reads = 0;
    const api = batchApi((c) => {
      if (c.method === 'POST') return json(202, { batchId: 'b-1', total: 3 });
      reads += 1;
      return json(
        200,
        reads === 1
          ? status({ done: 1 })
          : status({ state: 'DONE', done: 2, failed: 1, errors: [{ ref: 'r3', code: 'INSUFFICIENT_POINTS', message: 'not enough points' }] }),
      );
    });
    render(<BatchesPage />);
    const user = userEvent.setup();
    await user.upload(screen.getByLabelText('CSV file'), new File([GOOD], 'december.csv', { type: 'text/csv' }));
    expect(screen.getByText(/december\.csv \(\d+ B\) will be sent/)).toBeTruthy();
    expect((screen.getByLabelText('Or paste the rows') as HTMLTextAreaElement).disabled).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Upload the batch' }));
    await waitFor(() => expect(screen.getByTestId('batch-accepted').textContent).toMatch(/^Accepted: 3 rows, batch b-1\./));
    expect(api.posts()[0]!.text).toBe(GOOD);

    const progress = await screen.findByTestId('batch-progress');
    await waitFor(() => expect(within(progress).getByTestId('batch-state').textContent).toBe('RUNNING · 1 of 3 rows (33 %)'));
    expect((within(progress).getByRole('progressbar') as HTMLProgressElement).value).toBe(33);
    await waitFor(() => expect(within(progress).getByTestId('batch-state').textContent).toBe('DONE · 3 of 3 rows (100 %)'), { timeout: 3000 });
    expect(within(progress).getByTestId('batch-done').textContent).toBe('2');
    expect(within(progress).getByTestId('batch-failed').textContent).toBe('1');
    const failed = within(progress).getByTestId('batch-errors');
    expect(within(failed).getAllByRole('row')[1]!.textContent).toBe(
      'r3INSUFFICIENT_POINTSThe customer does not have enough usable points for this. not enough points',
    );
    // Asked every second until DONE, then no more.
    await new Promise((r) => setTimeout(r, 1300));
    expect(api.calls.filter((c) => c.path === '/v1/points/grant-batches/b-1')).toHaveLength(2);
  });

  it('uploads the same rows again after a 503 with the same Idempotency-Key, and other rows with a new one', async () => {
    let posts = 0;
    const api = batchApi((c) => {
      if (c.method !== 'POST') return json(200, status({ state: 'DONE', done: 3 }));
      posts += 1;
      return posts === 1 ? apiError(503, 'UNAVAILABLE', 'MySQL is not available') : json(202, { batchId: `b-${posts}`, total: 3 });
    });
    render(<BatchesPage />);
    const user = userEvent.setup();
    const text = screen.getByLabelText('Or paste the rows');
    await user.clear(text);
    await user.click(text);
    await user.paste(GOOD);
    await user.click(screen.getByRole('button', { name: 'Upload the batch' }));
    await screen.findByText(/Uploading the same file again is safe/);
    await user.click(screen.getByRole('button', { name: 'Upload the batch' }));
    await waitFor(() => expect(screen.getByTestId('batch-accepted').textContent).toMatch(/^Accepted: 3 rows, batch b-2\./));
    await screen.findByText('Every row was granted.');
    await user.type(text, 'r4,dave,1,30,,,x,,\n');
    await user.click(screen.getByRole('button', { name: 'Upload the batch' }));
    await waitFor(() => expect(screen.getByTestId('batch-accepted').textContent).toMatch(/^Accepted: 3 rows, batch b-3\./));
    const keys = api.posts().map((p) => p.headers['idempotency-key']);
    expect(keys[0]).toMatch(UUID);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });
});
