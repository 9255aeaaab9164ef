/**
 * docs/analytics.md: every ```sql block runs as the read-only analyst user against the
 * real read model, and returns sensible rows on a small seeded ledger (a scratch
 * database, as the writer: the analyst may only read the ledger's database). The
 * analyst can neither write nor create.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseError, quote, type ClickHouse } from '../../../common/src/clickhouse.ts';
import { loadConfig, repoRoot } from '../../../common/src/config.ts';
import { clickhouseFrom } from '../client.ts';
import { ensureDatabase, ensureSchema } from '../schema.ts';
import { ClickHouseStore } from '../writer.ts';
import { LedgerBuilder, uniqueUser } from './events.ts';
import { scratchDatabase, type ScratchDatabase } from './scratch-db.ts';

const doc = readFileSync(path.join(repoRoot, 'docs/analytics.md'), 'utf8');
// Each block ends with the `;` clickhouse-client wants; the HTTP interface takes one statement without it.
const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim().replace(/;$/, ''));
const block = (needle: string) => {
  const found = blocks.filter((b) => b.includes(needle));
  if (found.length !== 1) throw new Error(`expected one sql block with "${needle}", found ${found.length}`);
  return found[0]!;
};
type Row = Record<string, unknown>;
const n = (v: unknown) => Number(v);

const config = loadConfig();
const analyst = clickhouseFrom(config, 'analyst');
let db: ScratchDatabase;

// A seeded ledger relative to today (the queries look at the last 30 days and the next 30).
const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const P = uniqueUser('chdoc');
const Q = uniqueUser('chdoc');
const p = new LedgerBuilder(P)
  .grant('p1', 1000, today - 20 * DAY, today + 10 * DAY + 12 * 3600_000, 'spring')
  .grant('p2', 500, today - 15 * DAY, today - 2 * DAY, 'summer')
  .use('pu1', [{ grantId: 'p2', amount: 300 }], today - 10 * DAY)
  .cancel('pu1', [{ grantId: 'p2', amount: 100 }], today - 9 * DAY)
  .expire('p2', 300, today - 2 * DAY + 3600_000, today - 2 * DAY)
  .use('pu2', [{ grantId: 'p1', amount: 200 }], today - DAY);
const q = new LedgerBuilder(Q)
  .grant('q1', 2000, today - 5 * DAY, today + 20 * DAY)
  .use('qu1', [{ grantId: 'q1', amount: 500 }], today - 4 * DAY)
  .revoke('q1', 1500, today - 3 * DAY)
  .grant('q2', 100, today - 3 * DAY, today + 5 * DAY, 'spring');

beforeAll(async () => {
  // The projector creates the table at start; make sure it exists for the analyst.
  await ensureDatabase(config);
  await ensureSchema(config);
  db = await scratchDatabase();
  await new ClickHouseStore(db.ch, { maxDelayMs: 0 }).apply([...p.events, ...q.events]);
});
afterAll(async () => {
  await db?.drop();
});

describe('docs/analytics.md', () => {
  it('holds at least the six queries the analysts asked for', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const needle of ['AS active_users', 'AS earned', 'AS spent', 'AS expiry_day', 'AS breakage', 'AS delay_days', 'AS campaign']) {
      expect(() => block(needle), needle).not.toThrow();
    }
  });

  it("every sql block runs as the analyst user on the ledger's read model", async () => {
    for (const sql of blocks) {
      const rows = await analyst.query(sql).catch((e: Error) => {
        throw new Error(`${e.message}\n--- in ---\n${sql}`);
      });
      expect(Array.isArray(rows)).toBe(true);
    }
  });

  it('every sql block returns rows on a seeded ledger, with the right numbers', async () => {
    const run = async (sql: string): Promise<Row[]> => db.ch.query(sql);
    for (const sql of blocks) expect((await run(sql)).length, sql).toBeGreaterThan(0);

    const daily = await run(block('AS active_users'));
    expect(daily.reduce((s, r) => s + n(r.granted), 0)).toBe(3600);
    expect(daily.reduce((s, r) => s + n(r.net), 0)).toBe(900); // the two balances: 800 + 100

    expect((await run(block('AS earned'))).map((r) => [r.userId, n(r.earned)])).toEqual([
      [P, 1500],
      [Q, 600],
    ]);
    expect((await run(block('AS spent'))).map((r) => [r.userId, n(r.spent)])).toEqual([
      [Q, 500],
      [P, 400],
    ]);

    const expiring = await run(block('AS expiry_day'));
    expect(expiring.map((r) => [r.expiry_day, n(r.points), n(r.lots)])).toEqual([
      [new Date(today + 5 * DAY).toISOString().slice(0, 10), 100, 1],
      [new Date(today + 10 * DAY).toISOString().slice(0, 10), 800, 1],
    ]);

    const cohorts = await run(block('AS breakage'));
    expect(cohorts.reduce((s, r) => s + n(r.granted_points), 0)).toBe(3600);
    expect(cohorts.reduce((s, r) => s + n(r.expired_points), 0)).toBe(300);
    expect(cohorts.reduce((s, r) => s + n(r.still_held), 0)).toBe(900);
    const flow = await run(block('AS expired_per_granted'));
    expect(flow.reduce((s, r) => s + n(r.expired), 0)).toBe(300);

    const [delay] = await run(block('AS delay_days'));
    // allocations: 300 points after 5 days, 200 after 19, 500 after 1
    expect(delay).toMatchObject({ allocations: '3', points_used: '1000' });
    expect(n(delay!.avg_days_weighted)).toBe(5.8);
    expect(n(delay!.avg_days)).toBe(8.33);

    const campaigns = Object.fromEntries(
      (await run(block('AS campaign'))).map((r) => [r.campaign, [n(r.granted), n(r.used), n(r.expired), n(r.revoked), n(r.outstanding)]]),
    );
    expect(campaigns).toEqual({
      '(none)': [2000, 500, 0, 1500, 0],
      spring: [1100, 200, 0, 0, 900],
      summer: [500, 200, 300, 0, 0],
    });

    const bands = await run(block('AS balance_band'));
    expect(bands.map((r) => [r.balance_band, n(r.users), n(r.points)])).toEqual([['100-999', 2, 900]]);
  });

  it('the analyst user can neither write nor create', async () => {
    const refused = async (ch: ClickHouse, sql: string) => {
      const err = await ch.exec(sql).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, sql).toBeInstanceOf(ClickHouseError);
      expect((err as Error).message, sql).toMatch(/readonly|read only|Not enough privileges/i);
    };
    await refused(analyst, `INSERT INTO events (eventId, userId, seq, type) VALUES ('x', ${quote(uniqueUser())}, 1, 'POINTS_GRANTED')`);
    await refused(analyst, 'CREATE TABLE analyst_scratch (x UInt8) ENGINE = Memory');
    await refused(analyst, 'DROP TABLE events');
    await refused(analyst, 'TRUNCATE TABLE events');
    await expect(analyst.insert('events', [{ eventId: 'x', userId: uniqueUser(), seq: 1 }])).rejects.toBeInstanceOf(ClickHouseError);
    // And it sees only the ledger's database.
    const other = clickhouseFrom(config, 'analyst', db.name);
    await expect(other.query('SELECT count() FROM events')).rejects.toBeInstanceOf(ClickHouseError);
  });
});
