/**
 * What the console's browser tests record of a page: console errors and warnings (but the
 * refusals a test provokes on purpose, kept apart as tolerated), page errors, and failed
 * requests (but a GET the console aborts itself: useAsync cancels the previous load when
 * its inputs change, e.g. the Find page asks grant, use and hold at once). Each test ends
 * by asserting that `problems` is empty.
 */
import type { Page } from 'playwright-core';

export interface Problem {
  kind: string;
  text: string;
  url?: string;
}

export interface PageWatch {
  problems: Problem[];
  tolerated: string[];
  aborted: string[];
}

export function watchPage(page: Page, expectedRefusals: RegExp[]): PageWatch {
  const w: PageWatch = { problems: [], tolerated: [], aborted: [] };
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    if (expectedRefusals.some((r) => r.test(m.text()))) return void w.tolerated.push(m.text());
    w.problems.push({ kind: `console.${m.type()}`, text: m.text(), url: m.location().url });
  });
  page.on('pageerror', (e) => w.problems.push({ kind: 'pageerror', text: String(e) }));
  page.on('requestfailed', (r) => {
    const text = `${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`;
    if (r.method() === 'GET' && r.failure()?.errorText === 'net::ERR_ABORTED') return void w.aborted.push(text);
    w.problems.push({ kind: 'requestfailed', text });
  });
  return w;
}
