/**
 * A batch whose partition is lost stops being applied and is never committed (issue 12):
 * the runner's batch handling driven with a hand-made kafkajs batch payload, a fake
 * consumer and stores that fail or succeed on cue. No broker: the decoder is replaced by
 * one that reads JSON.
 */
import { KafkaJSError, type EachBatchPayload } from 'kafkajs';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { StackConfig } from '../../common/src/config.ts';
import { grants } from '../clickhouse/test/events.ts';
import type { PointEvent } from '../../schemas/point-event.ts';
import { BatchLease, ProjectorRunner, type ApplyResult, type ProjectorStore } from './run-projector.ts';

const config = {
  instance: 'projector-test-1',
  kafka: { brokers: ['127.0.0.1:1'], pointsTopic: 'points.events', dlqTopic: 'points.events.dlq', pointsTopicPartitions: 6 },
  registry: { url: 'http://127.0.0.1:1' },
  pipeline: { stalledAfterMs: 30_000 },
  projectors: { partitionsInFlight: 6, fetchMaxBytesPerPartition: 1 << 20 },
} as unknown as StackConfig;

const rebalancing = () => Object.assign(new KafkaJSError('The group is rebalancing, so a rejoin is needed'), { type: 'REBALANCE_IN_PROGRESS' });

interface Harness {
  runner: ProjectorRunner;
  consumer: { commitOffsets: ReturnType<typeof vi.fn> };
  payload: EachBatchPayload;
  state: { running: boolean; stale: boolean; beats: number; failBeatAfter: number; resolved: string[] };
  run: () => Promise<void>;
}

function harness(store: ProjectorStore, events: PointEvent[] = grants('u', 1, 3)): Harness {
  const runner = new ProjectorRunner({ config, groupId: 'g', store, log: pino({ level: 'silent' }) });
  const consumer = { commitOffsets: vi.fn(async () => undefined) };
  const internals = runner as unknown as { consumer: unknown; decoder: { decodeNow: (k: string | null, v: Buffer | null) => PointEvent } };
  internals.consumer = consumer;
  internals.decoder = { decodeNow: (_k, v) => JSON.parse(v!.toString('utf8')) as PointEvent };
  const state = { running: true, stale: false, beats: 0, failBeatAfter: Number.POSITIVE_INFINITY, resolved: [] as string[] };
  const messages = events.map((e, i) => ({ offset: String(100 + i), key: Buffer.from(e.userId), value: Buffer.from(JSON.stringify(e)), headers: {} }));
  const payload = {
    batch: { topic: 'points.events', partition: 3, messages, lastOffset: () => messages[messages.length - 1]!.offset },
    heartbeat: async () => {
      state.beats++;
      if (state.beats > state.failBeatAfter) throw rebalancing();
    },
    isRunning: () => state.running,
    isStale: () => state.stale,
    pause: () => () => undefined,
    resolveOffset: (o: string) => state.resolved.push(o),
  } as unknown as EachBatchPayload;
  const handle = (runner as unknown as { handleBatch: (c: unknown, p: EachBatchPayload) => Promise<void> }).handleBatch.bind(runner);
  return { runner, consumer, payload, state, run: () => handle(consumer, payload) };
}

const failingStore = (): ProjectorStore & { calls: number } => {
  const s = {
    name: 'test',
    calls: 0,
    apply: async (): Promise<ApplyResult> => {
      s.calls++;
      throw new Error('store down');
    },
  };
  return s;
};

describe('a batch applies and commits only while its partition is ours', () => {
  it('applies, commits the next offset and resolves it when nothing happens', async () => {
    const store = { name: 'test', apply: vi.fn(async (e: PointEvent[]) => ({ applied: e.length, duplicates: 0 })) };
    const h = harness(store);
    await h.run();
    expect(store.apply).toHaveBeenCalledTimes(1);
    expect(h.consumer.commitOffsets).toHaveBeenCalledWith([{ topic: 'points.events', partition: 3, offset: '103' }]);
    expect(h.state.resolved).toEqual(['102']);
    expect(h.runner.stats.applied).toBe(3);
  });

  it('store down: the retry loop stops at the first failed heartbeat (a rebalance) and throws it, nothing committed', async () => {
    const store = failingStore();
    const h = harness(store);
    h.state.failBeatAfter = 2;
    const err = await h.run().catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'REBALANCE_IN_PROGRESS' });
    const attempts = store.calls;
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(h.runner.stats.storeRetries).toBe(attempts);
    expect(h.consumer.commitOffsets).not.toHaveBeenCalled();
    expect(h.state.resolved).toEqual([]);
    // Nothing goes on behind: no later attempt.
    await new Promise((r) => setTimeout(r, 600));
    expect(store.calls).toBe(attempts);
  });

  it('store down: the retry loop ends (no commit) once the consumer stops or the partition is sought elsewhere', async () => {
    for (const lose of [(h: Harness) => (h.state.running = false), (h: Harness) => (h.state.stale = true)]) {
      const store = failingStore();
      const h = harness(store);
      setTimeout(() => lose(h), 300);
      await h.run();
      const attempts = store.calls;
      expect(attempts).toBeGreaterThanOrEqual(1);
      expect(h.consumer.commitOffsets).not.toHaveBeenCalled();
      await new Promise((r) => setTimeout(r, 600));
      expect(store.calls).toBe(attempts);
    }
  });

  it('heartbeats while a slow apply runs; a rebalance meanwhile lets the apply finish (seq keeps it harmless) but nothing is committed', async () => {
    const h = harness({
      name: 'test',
      apply: async (e) => {
        await new Promise((r) => setTimeout(r, 2500));
        return { applied: e.length, duplicates: 0 };
      },
    });
    h.state.failBeatAfter = 0;
    const err = await h.run().catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'REBALANCE_IN_PROGRESS' });
    expect(h.state.beats).toBeGreaterThanOrEqual(1);
    expect(h.runner.stats.applied).toBe(3);
    expect(h.consumer.commitOffsets).not.toHaveBeenCalled();
  });

  it('a partition sought elsewhere while the store applied: applied, not committed, not resolved', async () => {
    const h = harness({
      name: 'test',
      apply: async (e) => {
        h.state.stale = true;
        return { applied: e.length, duplicates: 0 };
      },
    });
    await h.run();
    expect(h.consumer.commitOffsets).not.toHaveBeenCalled();
    expect(h.state.resolved).toEqual([]);
  });

  it('a consumer that stops gracefully while its last batch applies still commits it (it owns the partition until it leaves)', async () => {
    const h = harness({
      name: 'test',
      apply: async (e) => {
        h.state.running = false;
        return { applied: e.length, duplicates: 0 };
      },
    });
    await h.run();
    expect(h.consumer.commitOffsets).toHaveBeenCalledTimes(1);
  });

  it('nothing is applied for a stopped consumer, a stale partition, or a batch of a replaced consumer', async () => {
    for (const setup of [
      (h: Harness) => (h.state.running = false),
      (h: Harness) => (h.state.stale = true),
      (h: Harness) => ((h.runner as unknown as { consumer: unknown }).consumer = { commitOffsets: vi.fn() }),
    ]) {
      const store = { name: 'test', apply: vi.fn(async (e: PointEvent[]) => ({ applied: e.length, duplicates: 0 })) };
      const h = harness(store);
      setup(h);
      await h.run();
      expect(store.apply).not.toHaveBeenCalled();
      expect(h.consumer.commitOffsets).not.toHaveBeenCalled();
    }
  });

  it('a commit refused by the coordinator (stale generation) is thrown to kafkajs, not swallowed', async () => {
    const h = harness({ name: 'test', apply: async (e) => ({ applied: e.length, duplicates: 0 }) });
    h.consumer.commitOffsets.mockRejectedValueOnce(
      Object.assign(new KafkaJSError('Specified group generation id is not valid'), { type: 'ILLEGAL_GENERATION' }),
    );
    await expect(h.run()).rejects.toMatchObject({ type: 'ILLEGAL_GENERATION' });
    expect(h.state.resolved).toEqual([]);
  });
});

describe('BatchLease', () => {
  it('keeps the first heartbeat failure and throws it from then on; mayApply and mayCommit turn false', async () => {
    let fail = false;
    const lease = new BatchLease(
      {
        heartbeat: async () => {
          if (fail) throw rebalancing();
        },
        isRunning: () => true,
        isStale: () => false,
      },
      () => true,
    );
    await lease.beat();
    expect(lease.mayApply()).toBe(true);
    fail = true;
    await expect(lease.beat()).rejects.toMatchObject({ type: 'REBALANCE_IN_PROGRESS' });
    fail = false;
    expect(() => lease.check()).toThrow(/rebalancing/);
    await expect(lease.beat()).rejects.toMatchObject({ type: 'REBALANCE_IN_PROGRESS' });
    expect(lease.mayApply()).toBe(false);
    expect(lease.mayCommit()).toBe(false);
  });

  it('sleep() heartbeats every second and ends early once the batch may not apply', async () => {
    let beats = 0;
    let running = true;
    const lease = new BatchLease(
      {
        heartbeat: async () => {
          beats++;
        },
        isRunning: () => running,
        isStale: () => false,
      },
      () => true,
    );
    const t0 = Date.now();
    setTimeout(() => (running = false), 2200);
    await lease.sleep(10_000);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(beats).toBeGreaterThanOrEqual(2);
  });
});
