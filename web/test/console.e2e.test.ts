/**
 * The admin console in a real browser (Debian's Chromium through playwright-core)
 * against the real running stack: the console as the API serves it at /console/
 * (build it first: `npm run build:web`), every call going to the real API, Redis,
 * ClickHouse and Kafka Connect. Screenshots go to .stack/screenshots/ (git-ignored), or
 * to docs/screenshots/ (the README's pictures) with SCREENSHOTS=1: `make screenshots`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchPage, type Problem } from './page-watch.ts';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig, repoRoot } from '../../common/src/config.ts';

const config = loadConfig();
const adminKey = config.api.keys.find((k) => k.scopes.includes('admin'));
const apiUrl = `http://${config.api.host}:${config.api.port}`;
const consoleUrl = `${apiUrl}/console/`;
const distDir = path.join(repoRoot, 'web/dist');
const shotsDir = config.testing.screenshots ? path.join(repoRoot, 'docs/screenshots') : path.join(config.stackDir, 'screenshots');
const userId = `web-${Date.now()}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const orderId = `order-${userId}`;

/**
 * The browser's own log line for a refused request the scenario provokes on purpose
 * (a 409 for the use beyond the balance): Chromium reports every HTTP error answer
 * to fetch as "Failed to load resource". Only that exact line is tolerated.
 */
const EXPECTED_REFUSALS = [/^Failed to load resource: the server responded with a status of 409 \(Conflict\)$/];

let browser: Browser;
let context: BrowserContext;
let page: Page;
let servedByApi = false;
let problems: Problem[] = [];
let tolerated: string[] = [];
let aborted: string[] = [];
const commandKeys: string[] = [];

const shot = (name: string) => page.screenshot({ path: path.join(shotsDir, name), fullPage: true });

/** Every text the balance card showed, in order (a MutationObserver in the page). */
async function watchBalance(): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __balanceLog: string[] };
    w.__balanceLog = [];
    const card = document.querySelector('.balance-card');
    if (!card) throw new Error('no balance card');
    const record = () => {
      const n = card.querySelector('[data-testid="balance"]')?.textContent ?? '';
      const s = card.querySelector('[role="status"]')?.textContent ?? '';
      const entry = `${n} | ${s}`;
      if (w.__balanceLog[w.__balanceLog.length - 1] !== entry) w.__balanceLog.push(entry);
    };
    record();
    new MutationObserver(record).observe(card, { subtree: true, childList: true, characterData: true });
  });
}

const balanceLog = () => page.evaluate(() => (window as unknown as { __balanceLog: string[] }).__balanceLog);

async function balanceText(): Promise<string> {
  return (await page.getByTestId('balance').textContent()) ?? '';
}

/** Submits the visible command form and waits until the balance shows `expected` after catching up. */
async function expectCaughtUp(expected: string, seq: number): Promise<void> {
  await page
    .getByTestId('balance')
    .filter({ hasText: new RegExp(`^${expected} points$`) })
    .waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('seq').textContent()).toBe(String(seq));
  const log = await balanceLog();
  const waitingAt = log.findIndex((l) => l.includes(`Waiting for the read model to catch up to seq ${seq}`));
  // The first time after the wait (a command that leaves the balance as it was shows it before, too).
  const shownAt = log.findIndex((l, i) => i > waitingAt && l.startsWith(`${expected} points |`));
  expect(waitingAt, log.join('\n')).toBeGreaterThanOrEqual(0);
  expect(shownAt, log.join('\n')).toBeGreaterThan(waitingAt);
  // Between the command and the caught-up answer no number was shown as current.
  for (const l of log.slice(waitingAt, shownAt)) expect(l.startsWith('…'), log.join('\n')).toBe(true);
}

/**
 * After a command whose answer says `outcome` ("… at seq N …"): the seq N, once the page
 * has caught up to it and shows `expected` as the balance (expectCaughtUp). For commands
 * whose seq is not known beforehand (a capture writes a use and a release) or that leave
 * the balance as it was (a pending grant).
 */
async function caughtUpAfter(outcome: RegExp, expected: string): Promise<number> {
  const line = page.getByText(outcome).first();
  await line.waitFor({ timeout: 30_000 });
  const seq = Number(/at seq (\d+)/.exec((await line.textContent()) ?? '')?.[1]);
  expect(seq).toBeGreaterThan(0);
  await page
    .getByTestId('seq')
    .filter({ hasText: new RegExp(`^${seq}$`) })
    .waitFor({ timeout: 30_000 });
  await expectCaughtUp(expected, seq);
  return seq;
}

const testIdText = async (id: string) => (await page.getByTestId(id).first().textContent()) ?? '';

/** ClickHouse is fed by its own projector: wait until it has what this run granted today. */
async function analyticsCaughtUp(): Promise<void> {
  const day = new Date().toISOString().slice(0, 10);
  const get = async (p: string) => (await fetch(`${apiUrl}${p}`, { headers: { authorization: `Bearer ${adminKey!.secret}` } })).json() as Promise<unknown[]>;
  await expect
    .poll(
      async () => {
        const [daily, expiring] = await Promise.all([get(`/v1/analytics/daily?from=${day}&to=${day}`), get('/v1/analytics/expiring?days=30')]);
        return daily.length > 0 && expiring.length > 0;
      },
      { timeout: 30_000, interval: 500 },
    )
    .toBe(true);
}

beforeAll(async () => {
  if (!adminKey) throw new Error('the configuration holds no key with the admin scope');
  if (!existsSync(path.join(distDir, 'index.html'))) throw new Error('web/dist is missing: run `npm run build:web` first');
  mkdirSync(shotsDir, { recursive: true });
  servedByApi = (await fetch(consoleUrl)).status === 200;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  ({ problems, tolerated, aborted } = watchPage(page, EXPECTED_REFUSALS));
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/v1/points/')) commandKeys.push(r.headers()['idempotency-key'] ?? '');
  });
});

afterAll(async () => {
  await browser?.close();
});

describe('admin console against the running stack', () => {
  it('is served by the API at /console/', () => {
    expect(servedByApi, `GET ${consoleUrl} is not 200`).toBe(true);
  });

  it('asks for the key first and keeps it in sessionStorage only', async () => {
    await page.goto(consoleUrl);
    await expect.poll(() => page.title()).toContain('Enter the key');
    await page.getByLabel('Admin API key').fill(adminKey!.secret);
    await page.getByLabel('Admin API key').press('Enter');
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    const stored = await page.evaluate(() => ({ session: Object.values({ ...sessionStorage }), local: localStorage.length }));
    expect(stored.session).toContain(adminKey!.secret);
    expect(stored.local).toBe(0);
  });

  it('looks an unknown user up: balance 0, no history', async () => {
    await page.getByLabel('User id').fill(userId);
    await page.getByLabel('User id').press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/customer/${userId}`);
    await page
      .getByTestId('balance')
      .filter({ hasText: /^0 points$/ })
      .waitFor();
    await page.getByText('No history: this user has no events yet.').waitFor();
    await page.getByText('No active grants.').waitFor();
  });

  it('grants points and shows the new balance only once the read model has caught up', async () => {
    await watchBalance();
    await page.locator('#grant-amount').fill('500');
    await page.locator('#grant-reason').fill('e2e welcome');
    await page.locator('#grant-reason').press('Enter');
    await expectCaughtUp('500', 1);
    await page.getByText(/Granted 500 points at seq 1/).waitFor();
    await page.locator('table').filter({ hasText: 'Granted' }).waitFor();
    expect(commandKeys).toHaveLength(1);
    expect(commandKeys[0]).toMatch(UUID);
  });

  it('refuses a use beyond the balance, in words (INSUFFICIENT_POINTS)', async () => {
    await page.getByRole('button', { name: 'Use', exact: true }).click();
    await page.locator('#use-amount').fill('100000');
    await page.locator('#use-amount').press('Enter');
    const alert = page.getByRole('alert').filter({ hasText: 'INSUFFICIENT_POINTS' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The customer does not have enough usable points for this.');
    expect(await balanceText()).toContain('500');
    await shot('command-refused.png');
  });

  it('uses, cancels the use from the history and revokes the grant from the list', async () => {
    await watchBalance();
    await page.locator('#use-amount').fill('200');
    await page.locator('#use-order').fill('order-e2e-1');
    await page.locator('#use-order').press('Enter');
    await expectCaughtUp('300', 2);

    await watchBalance();
    await page.getByRole('button', { name: 'Cancel the use at seq 2' }).click();
    expect(await page.locator('#cancel-use-id').inputValue()).toMatch(UUID);
    await page.getByRole('button', { name: 'Cancel the use', exact: true }).click();
    await expectCaughtUp('500', 3);

    await watchBalance();
    await page.getByRole('button', { name: /^Revoke grant / }).click();
    await page.locator('#revoke-reason').fill('e2e revoke');
    await page.locator('#revoke-reason').press('Enter');
    await expectCaughtUp('0', 4);
    await page.getByText('No active grants.').waitFor();

    // Four commands, four fresh keys.
    expect(new Set(commandKeys).size).toBe(commandKeys.length);
    expect(commandKeys).toHaveLength(5);
  });

  it('shows the customer page at 1280 px and at 390 px without horizontal scrolling', async () => {
    // Give the user something to show: a fresh grant.
    await watchBalance();
    await page.getByRole('button', { name: 'Grant', exact: true }).click();
    await page.locator('#grant-amount').fill('1200');
    await page.locator('#grant-days').fill('20');
    await page.locator('#grant-reason').fill('e2e birthday');
    await page.locator('#grant-source').fill('campaign-e2e');
    await page.locator('#grant-reason').press('Enter');
    await expectCaughtUp('1,200', 5);
    await page.getByText(/expires in 20 days/).waitFor();
    await shot('customer.png');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('balance').waitFor();
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    await shot('customer-mobile.png');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('holds points at checkout, captures part of the hold, and shows held change on the way', async () => {
    await watchBalance();
    await page.getByRole('button', { name: 'Hold', exact: true }).click();
    await page.locator('#hold-amount').fill('300');
    await page.locator('#hold-order').fill(orderId);
    await page.locator('#hold-order').press('Enter');
    await caughtUpAfter(/^Held 300 points at seq \d+ \(hold /, '900');
    expect(await testIdText('held')).toBe('300');
    const holds = page.locator('section').filter({ has: page.getByRole('heading', { name: /^Active holds/ }) });
    const row = holds.locator('tbody tr');
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    expect(await row.getByRole('link', { name: orderId }).getAttribute('href')).toBe(`#/find/order/${orderId}`);
    await shot('customer-holds.png');

    await watchBalance();
    await row.getByLabel(/^Points to capture of hold /).fill('120');
    await row.getByRole('button', { name: /^Capture hold / }).click();
    // 120 points become a use; the other 180 go back to the balance at once.
    await caughtUpAfter(/^Captured 120 points at seq \d+ as use .*; the other 180 went back to the balance\.$/, '1,080');
    expect(await testIdText('held')).toBe('0');
    await holds.getByText('No active holds.').waitFor();
  });

  it('grants pending points (pending, not in the balance) and activates them now', async () => {
    await watchBalance();
    await page.getByRole('button', { name: 'Grant', exact: true }).click();
    const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 16);
    await page.locator('#grant-amount').fill('250');
    await page.locator('#grant-reason').fill('e2e order reward');
    await page.locator('#grant-order').fill(orderId);
    await page.locator('#grant-available').fill(tomorrow);
    await page.locator('#grant-reason').press('Enter');
    await caughtUpAfter(/^Granted 250 points at seq \d+, pending until /, '1,080');
    expect(await testIdText('pending')).toBe('250');

    await watchBalance();
    await page.getByRole('button', { name: /^Activate now/ }).click();
    await caughtUpAfter(/^Activated 250 points at seq \d+: they are usable now/, '1,330');
    expect(await testIdText('pending')).toBe('0');
  });

  it('revokes part of a grant picked from the list (partial revocation)', async () => {
    await watchBalance();
    await page
      .getByRole('button', { name: /^Revoke grant / })
      .first()
      .click();
    const revoke = page.locator('[data-tab="revoke"]');
    await revoke.getByLabel('part of it').check();
    await page.locator('#revoke-amount').fill('80');
    await page.locator('#revoke-reason').fill('e2e partial revoke');
    await page.locator('#revoke-reason').press('Enter');
    await caughtUpAfter(/^Revoked 80 points at seq \d+ \(grant /, '1,250');
    // Hold, capture, pending grant, activation, revocation: five more commands, each with its own key.
    expect(commandKeys).toHaveLength(11);
    expect(new Set(commandKeys).size).toBe(commandKeys.length);
  });

  it('looks the order up and follows its links: hold, use, grant', async () => {
    await page.getByRole('link', { name: 'Find', exact: true }).click();
    await page.locator('#find-id').fill(orderId);
    await page.locator('#find-id').press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/find/${orderId}`);
    const grants = page.getByTestId('order-grants');
    await grants.waitFor({ timeout: 30_000 });
    expect(await grants.locator('tbody tr').count()).toBe(1);
    expect(await grants.locator('tbody tr').textContent()).toContain('ACTIVE');
    const uses = page.getByTestId('order-uses');
    expect(await uses.locator('tbody tr').count()).toBe(1);
    expect(await uses.locator('tbody tr').textContent()).toContain('120');
    const holds = page.getByTestId('order-holds');
    expect(await holds.locator('tbody tr').textContent()).toContain('CAPTURED');
    await shot('find-order.png');

    await holds.getByRole('link', { name: /^Look up hold / }).click();
    await page
      .getByTestId('hold-state')
      .filter({ hasText: /^CAPTURED$/ })
      .waitFor();
    expect(await testIdText('hold-amount')).toBe('300');
    expect(await testIdText('hold-captured')).toBe('120');
    await page.getByTestId('hold-use').getByRole('link').click();
    await page.getByTestId('use-amount').filter({ hasText: /^120$/ }).waitFor();
    await page.getByText('No cancellations.').waitFor();
    await page
      .getByRole('link', { name: /^Look up grant / })
      .first()
      .click();
    await page.getByTestId('grant-state').waitFor();
    // The grant of 1,200: 300 held, 120 of them captured, 80 revoked.
    expect(await testIdText('grant-state')).toBe('ACTIVE');
    expect(await testIdText('grant-amount')).toBe('1,200');
    expect(await testIdText('grant-remaining')).toBe('1,000');

    // Readable on a phone too.
    await page.setViewportSize({ width: 390, height: 844 });
    for (let i = 0; i < 3; i++) await page.goBack();
    await page.getByTestId('order-grants').waitFor();
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('draws the analytics charts with data', async () => {
    await analyticsCaughtUp();
    await page.getByRole('link', { name: 'Analytics' }).click();
    const daily = page.getByRole('img', { name: /per day,/ });
    await daily.waitFor({ timeout: 30_000 });
    expect(await daily.locator('rect.bar').count()).toBeGreaterThan(0);
    const expiring = page.getByRole('img', { name: /Points expiring per day/ });
    await expiring.waitFor({ timeout: 30_000 });
    expect(await expiring.locator('rect.bar').count()).toBeGreaterThan(0);
    await page.locator('table').filter({ hasText: 'Points earned' }).locator('tbody tr').first().waitFor();
    await shot('analytics.png');
  });

  it('shows the pipeline with the connector RUNNING, its CDC lag and the history chart, refreshed every few seconds', async () => {
    await page.getByRole('link', { name: 'Pipeline' }).click();
    // One section per outbox connector: one per MySQL shard (two in cluster, ADR 0011).
    const connectors = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Connector' }) });
    const connector = connectors.first();
    await connector.getByText('RUNNING').first().waitFor({ timeout: 30_000 });
    await expect.poll(() => connectors.count(), { timeout: 15_000 }).toBe(config.cdc.sources.length);
    const refreshed = page.locator('time');
    const first = await refreshed.textContent();
    await expect.poll(() => refreshed.textContent(), { timeout: 15_000 }).not.toBe(first);
    // The projectors table and the instances table both have a redis row (two instances in cluster).
    await page
      .getByRole('cell', { name: /^redis/ })
      .first()
      .waitFor();
    await page.getByTestId('dlq').waitFor();
    // The connector's CDC lag: binlog bytes and milliseconds behind its database, in words.
    const lag = connector.getByTestId('cdc-lag');
    await lag.waitFor();
    expect(await lag.textContent()).toMatch(
      /^CDC lag:(\d+ B|\d+(\.\d)? [kMGT]B|unknown)of binlog behind,(\d+ ms|\d+\.\d s|\d+ min|\d+\.\d h|unknown)behind source$/,
    );
    await page.getByTestId('freshness').waitFor();
    // The history of the last minutes, drawn from GET /v1/pipeline/history.
    const delay = page.getByRole('img', { name: /^CDC ms behind source and end-to-end freshness/ });
    await delay.waitFor({ timeout: 15_000 });
    await expect.poll(() => delay.locator('path.line, circle.dot').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const projectorLag = page.getByRole('img', { name: /^Projector lag in messages/ });
    await projectorLag.waitFor();
    expect(await projectorLag.locator('g.series[data-series="redis"]').count()).toBe(1);
    await page.getByText(/^Latest \(\d\d:\d\d:\d\d UTC\): CDC behind source /).waitFor();
    await shot('pipeline.png');
    // Readable on a phone: the charts fit, no horizontal scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    await delay.waitFor();
    await expect.poll(async () => (await delay.boundingBox())?.width ?? 0).toBeLessThanOrEqual(390);
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('logged no console errors or warnings and no page errors', () => {
    expect(problems).toEqual([]);
    // Only Chromium's own line for the one refusal provoked above.
    expect(tolerated).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
    if (aborted.length > 0) console.log(`[console] loads the console cancelled itself: ${aborted.join(', ')}`);
  });
});
