/** Everything `make verify` checks, as a function (the fault tests call it too). */
import type { StackConfig } from '../../common/src/config.ts';
import { createRedis } from '../../common/src/redis.ts';
import { clickhouseFrom, totalsPerUserAndType } from '../../projectors/clickhouse/analytics.ts';
import { createShards } from '../../common/src/mysql.ts';
import { PROJECTOR_GROUPS } from '../../common/src/projector-groups.ts';
import { waitForPipelineIdle } from '../../common/src/pipeline-idle.ts';
import { checkLedger, type Difference } from './ledger-invariants.ts';
import { checkRedis, compareTotals, mysqlTotals } from './read-models.ts';

export interface VerifyReport {
  lines: string[];
  mysql: Difference[];
  idle: boolean | null;
  /** Why the pipeline was not idle (a connector by name, or the projectors). */
  notIdleReason?: string;
  redis: Difference[];
  clickhouse: Difference[];
  ok: boolean;
}

export async function verifyAll(config: StackConfig, opts: { readModels: boolean; waitMs: number; say?: (s: string) => void }): Promise<VerifyReport> {
  const say = opts.say ?? (() => undefined);
  const lines: string[] = [];
  const line = (s: string) => {
    lines.push(s);
    say(s);
  };
  const db = createShards(config, 2);
  const report: VerifyReport = { lines, mysql: [], idle: null, redis: [], clickhouse: [], ok: false };
  try {
    const t0 = Date.now();
    const r = await checkLedger(db);
    report.mysql = r.differences;
    line(`MySQL${db.count > 1 ? ` (${db.count} shards)` : ''}: checked ${r.users} users, ${r.events} events, ${r.lots} lots in ${Date.now() - t0} ms`);
    line('  invariant 1: wallet.balance = Σ lots.remaining = balanceAfter of the last event');
    line('  invariant 2: Σ granted − Σ used + Σ use-cancelled − Σ expired − Σ revoked = balance');
    line('  and: seq 1..n without gaps, wallet.seq = last seq, balance >= 0, 0 <= lot.remaining <= lot.amount, is_open consistent');
    if (opts.readModels) {
      line(
        "waiting for the pipeline to be idle (every connector at its database's binlog position of now, then every projector at the end of points.events)...",
      );
      let lastSaid = '';
      const idle = await waitForPipelineIdle(config, {
        groups: PROJECTOR_GROUPS,
        timeoutMs: opts.waitMs,
        onWait: (p) => {
          const text =
            p.projectorLag === null
              ? p.cdc.map((c) => `${c.connector} ${c.state}, ${c.bytesBehind ?? '?'} binlog bytes behind`).join('; ')
              : `projector lag ${p.projectorLag}`;
          if (text !== lastSaid) say(`  ${text}`);
          lastSaid = text;
        },
      });
      report.idle = idle.idle;
      if (!idle.idle) {
        report.notIdleReason = idle.reason;
        line(`pipeline not idle: ${idle.reason}. The read models were not compared (make status; make connector-status; GET /v1/pipeline/status)`);
      } else {
        line(`pipeline idle after ${idle.idleMs} ms (connectors caught up after ${idle.cdcCaughtUpMs} ms)`);
        const redis = createRedis(config, { maxRetriesPerRequest: 2 });
        try {
          const t1 = Date.now();
          const rr = await checkRedis(db, redis);
          report.redis = rr.differences;
          line(`Redis: checked balance and seq of ${rr.users} users in ${Date.now() - t1} ms`);
          line(`  and that each of the ${rr.redisWallets} wallets in Redis (${rr.masters} master${rr.masters === 1 ? '' : 's'}) belongs to a MySQL user`);
        } finally {
          redis.disconnect();
        }
        const t2 = Date.now();
        const mine = await mysqlTotals(db);
        const ch = clickhouseFrom(config, 'writer');
        const theirs = await totalsPerUserAndType(ch).finally(() => ch.close());
        report.clickhouse = compareTotals(mine, theirs, 'ClickHouse');
        line(`ClickHouse: compared ${mine.size} (user, type) totals, sum and count, in ${Date.now() - t2} ms`);
      }
    }
    report.ok = report.mysql.length === 0 && report.redis.length === 0 && report.clickhouse.length === 0 && report.idle !== false;
    return report;
  } finally {
    await db.destroy();
  }
}
