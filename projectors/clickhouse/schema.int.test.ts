/**
 * The migration to schema version 2 (ADR 0013) on the real ClickHouse: a table as the
 * projector created it before version 2, holding rows, is migrated in place by
 * ensureSchema (what the projector runs at start), on every server (in cluster each
 * shard's events_local, then each Distributed events); it ends up with the columns of a
 * new table in the same order, its rows untouched and read with the new columns' defaults;
 * version-2 rows then go on after them, and every read sees both. Running it again, or
 * twice at once, changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouse, quote } from '../../common/src/clickhouse.ts';
import { loadConfig } from '../../common/src/config.ts';
import { dailyMovement, expiringPerDay, totalsPerUserAndType } from './analytics.ts';
import { onEveryServer } from './client.ts';
import { TSV_COLUMNS, toTsvLine } from './rows.ts';
import {
  dropDatabase,
  ensureDatabase,
  ensureSchema,
  EVENTS_LOCAL_TABLE,
  EVENTS_TABLE,
  eventsTableDdl,
  localEventsTable,
  SHARDING_KEY,
  V1_COLUMNS as V1_TABLE_COLUMNS,
} from './schema.ts';
import { LedgerBuilder, uniqueUser } from './test/events.ts';
import { scratchDatabase, type ScratchDatabase } from './test/scratch-db.ts';
import { ClickHouseStore, INSERT_SETTINGS } from './writer.ts';

/** The table as the projector created it before schema version 2 (the columns of version 1 only). */
const V1_DDL = (table: string) => eventsTableDdl(table, V1_TABLE_COLUMNS);
const V1_COLUMNS = TSV_COLUMNS.slice(0, TSV_COLUMNS.indexOf('orderId') + 1);

const config = loadConfig();
const { cluster } = config.clickhouse;
const local = localEventsTable(config);
const t = (iso: string) => Date.parse(iso);

/** A database with the version-1 tables on every server (in cluster the Distributed events over them too). */
async function v1Database(): Promise<{ name: string; ch: ClickHouse }> {
  const name = `points_test_v1_${Date.now()}_${randomUUID().slice(0, 8)}`;
  await ensureDatabase(config, name);
  await onEveryServer(config, name, async (ch) => {
    await ch.exec(V1_DDL(local));
    if (cluster !== undefined) {
      await ch.exec(`CREATE TABLE ${EVENTS_TABLE} AS ${EVENTS_LOCAL_TABLE} ENGINE = Distributed(${cluster}, ${name}, ${EVENTS_LOCAL_TABLE}, ${SHARDING_KEY})`);
    }
  });
  return { name, ch: new ClickHouse(config.clickhouse.url, config.clickhouse.writer, name) };
}

/** `name type` of each column, in the table's order (DESCRIBE), of every table of the read model on every server. */
async function describeEverywhere(database: string): Promise<string[][]> {
  const out: string[][] = [];
  const tables = cluster === undefined ? [EVENTS_TABLE] : [EVENTS_LOCAL_TABLE, EVENTS_TABLE];
  await onEveryServer(config, database, async (ch) => {
    for (const table of tables) out.push((await ch.query<{ name: string; type: string }>(`DESCRIBE TABLE ${table}`)).map((r) => `${r.name} ${r.type}`));
  });
  return out;
}

// User V: a version-1 ledger (all five types), written before the migration; it goes on
// with version-2 events after it. User W: version 1 only.
const V = uniqueUser('chv');
const W = uniqueUser('chw');
const v = new LedgerBuilder(V)
  .grant(`${V}-g1`, 100, t('2024-06-01T10:00:00Z'), t('2024-06-20T00:00:00Z'), 'spring')
  .use('uV1', [{ grantId: `${V}-g1`, amount: 40 }], t('2024-06-02T10:00:00Z'))
  .cancel('uV1', [{ grantId: `${V}-g1`, amount: 10 }], t('2024-06-03T10:00:00Z'))
  .grant(`${V}-g2`, 5, t('2024-06-01T11:00:00Z'), t('2024-06-04T00:00:00Z'))
  .expire(`${V}-g2`, 5, t('2024-06-04T00:00:01Z'), t('2024-06-04T00:00:00Z'));
const w = new LedgerBuilder(W).grant(`${W}-g1`, 30, t('2024-06-01T12:00:00Z'), t('2024-06-22T00:00:00Z')).revoke(`${W}-g1`, 30, t('2024-06-02T12:00:00Z'));
const v1Events = [...v.events, ...w.events];
// After the migration, V goes on with version 2.
v.pendingGrant(`${V}-g3`, 50, t('2024-06-05T10:00:00Z'), t('2024-06-06T00:00:00Z'), t('2024-06-25T00:00:00Z'))
  .hold('hV1', [{ grantId: `${V}-g1`, amount: 30 }], t('2024-06-05T11:00:00Z'), t('2024-06-05T11:15:00Z'))
  .capture('hV1', 'uV2', [{ grantId: `${V}-g1`, amount: 20 }], t('2024-06-05T11:05:00Z'))
  .release('hV1', [{ grantId: `${V}-g1`, amount: 10 }], t('2024-06-05T11:05:00Z'))
  .activate(`${V}-g3`, 50, t('2024-06-06T00:00:00Z'))
  .revoke(`${V}-g3`, 15, t('2024-06-07T00:00:00Z'));
const v2Events = v.events.slice(5);
// V: g1 = 100 − 40 + 10 − 30 + 10 = 50 (06-20); g3 = 50 − 15 = 35 (06-25); balance 85.

let db: { name: string; ch: ClickHouse };
let fresh: ScratchDatabase;

beforeAll(async () => {
  fresh = await scratchDatabase();
  db = await v1Database();
  // Rows as the projector of version 1 wrote them: its columns only.
  const lines = v1Events.map((e) => toTsvLine(e).split('\t').slice(0, V1_COLUMNS.length).join('\t'));
  await db.ch.exec(`INSERT INTO ${EVENTS_TABLE} (${V1_COLUMNS.join(', ')}) FORMAT TabSeparated\n${lines.join('\n')}\n`, INSERT_SETTINGS);
});
afterAll(async () => {
  await db?.ch.close();
  if (db) await dropDatabase(config, db.name);
  await fresh?.drop();
});

describe('ensureSchema on a table of version 1', () => {
  it('migrates it in place on every server, to the columns of a new table in their order, its rows untouched', async () => {
    const v1Rows = `SELECT ${V1_COLUMNS.join(', ')} FROM ${EVENTS_TABLE} FINAL ORDER BY userId, seq`;
    const before = await db.ch.query(v1Rows);
    expect(before).toHaveLength(7);
    expect((await describeEverywhere(db.name)).every((c) => c.length === V1_COLUMNS.length)).toBe(true);

    await ensureSchema(config, db.name);

    const want = await describeEverywhere(fresh.name);
    expect(want[0]!.map((c) => c.split(' ')[0])).toEqual([...TSV_COLUMNS]);
    expect(await describeEverywhere(db.name)).toEqual(want);
    expect(await db.ch.query(v1Rows)).toEqual(before);
    // The rows of version 1 read the new columns as what a version-1 event holds.
    const added = await db.ch.query<Record<string, unknown>>(
      `SELECT holdId, availableAt, availableAtMs, heldAfter, pendingAfter, count() AS n FROM ${EVENTS_TABLE} FINAL
       GROUP BY holdId, availableAt, availableAtMs, heldAfter, pendingAfter`,
    );
    expect(added.map((r) => ({ ...r, heldAfter: Number(r.heldAfter), pendingAfter: Number(r.pendingAfter), n: Number(r.n) }))).toEqual([
      { holdId: null, availableAt: null, availableAtMs: null, heldAfter: 0, pendingAfter: 0, n: 7 },
    ]);
  });

  it('changes nothing when run again, or twice at once (every start, two projectors starting together)', async () => {
    const after = await describeEverywhere(db.name);
    await ensureSchema(config, db.name);
    await Promise.all([ensureSchema(config, db.name), ensureSchema(config, db.name)]);
    expect(await describeEverywhere(db.name)).toEqual(after);
  });

  it('version-2 events go on after the version-1 ones of the same user, and every read sees both', async () => {
    const store = new ClickHouseStore(db.ch, { maxDelayMs: 10 });
    // The seq check reads the version-1 rows: V's next seq is 6.
    expect(await store.apply(v2Events)).toEqual({ applied: 6, duplicates: 0 });
    expect(await store.apply([...v.events, ...w.events])).toEqual({ applied: 0, duplicates: 13 });
    const rows = await db.ch.query<{ seq: string; type: string; holdId: string | null; heldAfter: string; pendingAfter: string }>(
      `SELECT seq, type, holdId, heldAfter, pendingAfter FROM ${EVENTS_TABLE} FINAL WHERE userId = ${quote(V)} ORDER BY seq`,
    );
    expect(rows.map((r) => [Number(r.seq), r.type, r.holdId, Number(r.heldAfter), Number(r.pendingAfter)])).toEqual(
      v.events.map((e) => [e.seq, e.type, e.holdId, e.heldAfter, e.pendingAfter]),
    );
    const expected = new Map<string, { amount: number; count: number }>();
    for (const e of [...v.events, ...w.events]) {
      const k = `${e.userId}|${e.type}`;
      const x = expected.get(k) ?? { amount: 0, count: 0 };
      expected.set(k, { amount: x.amount + e.amount, count: x.count + 1 });
    }
    expect(await totalsPerUserAndType(db.ch)).toEqual(expected);
    // g1 (version 1, held from and given back to in version 2) and g3 (version 2, activated).
    expect(await expiringPerDay(db.ch, 30, t('2024-06-10T00:00:00Z'))).toEqual([
      { day: '2024-06-20', points: 50, lots: 1 },
      { day: '2024-06-25', points: 35, lots: 1 },
    ]);
    const days = await dailyMovement(db.ch, '2024-06-01', '2024-06-30');
    expect(days.reduce((s, d) => s + d.granted - d.used + d.useCanceled - d.expired - d.revoked, 0)).toBe(85);
    expect(days.find((d) => d.day === '2024-06-05')).toEqual({
      day: '2024-06-05',
      granted: 50,
      used: 20,
      useCanceled: 0,
      expired: 0,
      revoked: 0,
      activeUsers: 1,
    });
  });

  it('completes a migration that stopped halfway, each column in its place', async () => {
    const half = await v1Database();
    try {
      // The first two version-2 columns only, on every table: as if the ALTER had been cut short.
      const tables = cluster === undefined ? [EVENTS_TABLE] : [EVENTS_LOCAL_TABLE, EVENTS_TABLE];
      await onEveryServer(config, half.name, async (ch) => {
        for (const table of tables)
          await ch.exec(`ALTER TABLE ${table} ADD COLUMN holdId Nullable(String) AFTER orderId, ADD COLUMN availableAt Nullable(DateTime) AFTER holdId`);
      });
      await Promise.all([ensureSchema(config, half.name), ensureSchema(config, half.name)]);
      expect(await describeEverywhere(half.name)).toEqual(await describeEverywhere(fresh.name));
    } finally {
      await half.ch.close();
      await dropDatabase(config, half.name);
    }
  });
});
