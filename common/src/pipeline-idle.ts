/**
 * "Idle" for `make verify`, the chaos runs, the tests and the benchmarks (DESIGN.md):
 * every outbox connector has read its database's binlog up to the position that
 * database reported when the check started, and then every projector group has
 * reached the end of points.events (twice in a row, with the end not moving).
 *
 * A connector that is not RUNNING (or Kafka Connect not answering) for longer than
 * `notRunningGraceMs` ends the wait at once with its name: the read models cannot catch
 * up, and comparing them would report late events as missing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import type { StackConfig } from './config.ts';
import { CdcMonitor, compareBinlog, type BinlogPosition, type CdcLag } from './cdc-position.ts';
import { groupLag } from './kafka-lag.ts';

export interface IdleProgress {
  /** Per connector: its state and bytes still to read up to the target. */
  cdc: { connector: string; state: string; bytesBehind: number | null }[];
  /** Messages of points.events the projector groups have not consumed (null until CDC is caught up). */
  projectorLag: number | null;
}

export interface IdleResult {
  idle: boolean;
  /** Why not idle, naming the connector or the projectors. */
  reason?: string;
  /** Milliseconds until each stage was reached. */
  cdcCaughtUpMs: number | null;
  idleMs: number | null;
  last: IdleProgress;
}

export interface IdleOptions {
  groups: string[];
  timeoutMs: number;
  /** How long a connector may be not RUNNING before the wait ends (default 20 s). */
  notRunningGraceMs?: number;
  pollMs?: number;
  onWait?: (p: IdleProgress) => void;
}

export async function waitForPipelineIdle(config: StackConfig, opts: IdleOptions): Promise<IdleResult> {
  const t0 = Date.now();
  const deadline = t0 + opts.timeoutMs;
  const grace = opts.notRunningGraceMs ?? 20_000;
  const poll = opts.pollMs ?? 500;
  const cdc = new CdcMonitor(config, 5000);
  const admin = new Kafka({ clientId: 'pipeline-idle', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  const result: IdleResult = { idle: false, cdcCaughtUpMs: null, idleMs: null, last: { cdc: [], projectorLag: null } };
  try {
    // The target: each database's position now. A database that does not answer is
    // asked again until the deadline (a restart under way).
    let targets: BinlogPosition[] | undefined;
    while (!targets) {
      try {
        targets = await cdc.databasePositions();
      } catch (e) {
        if (Date.now() > deadline) return { ...result, reason: `a database does not answer: ${(e as Error).message}` };
        await sleep(poll);
      }
    }
    await admin.connect();
    const notRunningSince = new Map<string, number>();
    let cdcDone = false;
    let quiet = 0;
    let lastEnd = -1;
    while (Date.now() < deadline) {
      if (!cdcDone) {
        const lags: CdcLag[] = await cdc.lag();
        result.last.cdc = lags.map((l, i) => ({
          connector: l.connector,
          state: l.state,
          bytesBehind: l.connectorAt ? behind(l.connectorAt, targets[i]!, l.bytesBehind) : null,
        }));
        for (const l of lags) {
          if (l.state === 'RUNNING') notRunningSince.delete(l.connector);
          else if (!notRunningSince.has(l.connector)) notRunningSince.set(l.connector, Date.now());
          const since = notRunningSince.get(l.connector);
          if (since !== undefined && Date.now() - since >= grace) {
            return {
              ...result,
              reason: `connector ${l.connector} is behind its database: it is ${l.state}${l.error ? ` (${l.error})` : ''}, so the events after its position have not reached points.events`,
            };
          }
        }
        cdcDone = lags.every((l, i) => l.state === 'RUNNING' && l.connectorAt !== null && compareBinlog(l.connectorAt, targets[i]!) >= 0);
        if (cdcDone) result.cdcCaughtUpMs = Date.now() - t0;
      }
      if (cdcDone) {
        const ends = new Map((await admin.fetchTopicOffsets(config.kafka.pointsTopic)).map((o) => [o.partition, Number(o.high)]));
        const end = [...ends.values()].reduce((s, v) => s + v, 0);
        let lag = 0;
        for (const groupId of opts.groups) lag += (await groupLag(admin, groupId, config.kafka.pointsTopic, ends)).lag;
        result.last.projectorLag = lag;
        quiet = lag === 0 && end === lastEnd ? quiet + 1 : 0;
        lastEnd = end;
        if (quiet >= 2) return { ...result, idle: true, idleMs: Date.now() - t0 };
      }
      opts.onWait?.(result.last);
      await sleep(poll);
    }
    const behindNames = result.last.cdc.filter((c) => c.bytesBehind !== 0 || c.state !== 'RUNNING');
    return {
      ...result,
      reason: !cdcDone
        ? behindNames.map((c) => `connector ${c.connector} is behind its database (${c.state}, ${c.bytesBehind ?? '?'} binlog bytes to read)`).join('; ')
        : `projectors are ${result.last.projectorLag} messages behind the end of ${config.kafka.pointsTopic}`,
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await cdc.close();
  }
}

/** Bytes from the connector's position to the target (an estimate across files: the current lag). */
function behind(at: BinlogPosition, target: BinlogPosition, currentLag: number | null): number | null {
  if (compareBinlog(at, target) >= 0) return 0;
  if (at.file === target.file) return target.pos - at.pos;
  return currentLag;
}
