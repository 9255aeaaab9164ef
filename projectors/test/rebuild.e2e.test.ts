/** `make rebuild-redis` and `make rebuild-clickhouse` end with the model they started from. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, repoRoot } from '../../common/src/config.ts';
import { createRedis, scanKeys, type RedisClient } from '../../common/src/redis.ts';
import { MODEL_KEY_PATTERN } from '../redis/keys.ts';
import { clickhouseFrom } from '../clickhouse/analytics.ts';
import { waitForPipelineIdle } from '../../common/src/pipeline-idle.ts';
import { PROJECTOR_GROUPS } from '../../common/src/projector-groups.ts';
import { quote } from '../../common/src/clickhouse.ts';
import { userKeys } from '../redis/keys.ts';

const run = promisify(execFile);
const config = loadConfig();
let redis: RedisClient;
beforeAll(async () => {
  redis = createRedis(config);
});
afterAll(async () => {
  redis.disconnect();
});

async function idle(): Promise<void> {
  const r = await waitForPipelineIdle(config, { groups: PROJECTOR_GROUPS, timeoutMs: 180_000 });
  expect(r.reason ?? 'idle').toBe('idle');
}

/** Every key of the Redis model (on every master) with its content (minus projectedAt, the time of projection). */
async function redisSnapshot(): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for await (const keys of scanKeys(redis, MODEL_KEY_PATTERN, 2000)) {
    for (const k of keys) {
      // Hashes (wallets, lots, records), lists (history), sorted sets (active holds), sets (orders), strings (owners).
      const type = await redis.type(k);
      if (type === 'list') out.set(k, await redis.lrange(k, 0, -1));
      else if (type === 'zset') out.set(k, await redis.zrange(k, 0, -1, 'WITHSCORES'));
      else if (type === 'set') out.set(k, (await redis.smembers(k)).sort());
      else if (type === 'string') out.set(k, await redis.get(k));
      else {
        const h = await redis.hgetall(k);
        delete h.projectedAt;
        out.set(k, h);
      }
    }
  }
  return out;
}

async function rebuild(model: string): Promise<string> {
  const { stdout } = await run(`${repoRoot}/node_modules/.bin/tsx`, ['tools/rebuild.ts', model], { cwd: repoRoot, timeout: 600_000 });
  return stdout;
}

/**
 * Events as the API of schema version 1 wrote them, on the topic beside today's: the real
 * Ledger with version 1's encoder, under version 1's id in the registry (a grant, a use,
 * its cancellation and a revocation). The API's own script writes them
 * (api/test/support/write-v1-events.ts): nothing outside api/ imports api/ (ADR 0009).
 * Returns the user and the balance MySQL holds.
 */
async function writeVersion1Events(): Promise<{ userId: string; balance: number }> {
  const { stdout } = await run(`${repoRoot}/node_modules/.bin/tsx`, ['api/test/support/write-v1-events.ts'], { cwd: repoRoot, timeout: 120_000 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as { userId: string; balance: number };
}

describe('rebuild from the topic', () => {
  it('events written with schema version 1 are projected by projectors built on version 2', async () => {
    const { userId, balance } = await writeVersion1Events();
    expect(balance).toBe(800);
    await idle();
    expect(await redis.hget(userKeys(userId).wallet, 'balance')).toBe('800');
    const ch = clickhouseFrom(config, 'writer');
    const rows = await ch.query(
      `SELECT type, count() AS n, sum(amount) AS amount FROM events FINAL WHERE userId = ${quote(userId)} GROUP BY type ORDER BY type`,
    );
    expect(rows.map((r) => [r.type, Number(r.n), Number(r.amount)])).toEqual([
      ['POINTS_GRANTED', 2, 1200],
      ['POINTS_REVOKED', 1, 200],
      ['POINTS_USED', 1, 300],
      ['POINTS_USE_CANCELED', 1, 100],
    ]);
  });

  // The topic holds events of both schema versions (the test above wrote version 1's).
  it('Redis: the rebuilt model equals the model before', async () => {
    await idle();
    const before = await redisSnapshot();
    const out = await rebuild('redis');
    console.log(
      out
        .split('\n')
        .filter((l) => /done|rewound|emptied/.test(l))
        .join('\n'),
    );
    expect(out).toMatch(/done: \d+ messages replayed/);
    await idle();
    const after = await redisSnapshot();
    expect(after.size).toBe(before.size);
    expect(after).toEqual(before);
  });

  it('ClickHouse: the rebuilt model has the same rows and totals as before', async () => {
    await idle();
    const ch = clickhouseFrom(config, 'writer');
    const snapshot = () =>
      ch.query('SELECT userId, type, count() AS n, sum(amount) AS amount, max(seq) AS maxSeq FROM events FINAL GROUP BY userId, type ORDER BY userId, type');
    const before = await snapshot();
    const out = await rebuild('clickhouse');
    console.log(
      out
        .split('\n')
        .filter((l) => /done|rewound|emptied/.test(l))
        .join('\n'),
    );
    await idle();
    const after = await snapshot();
    expect(after.length).toBe(before.length);
    expect(after).toEqual(before);
  });
});
