/**
 * How long the projectors stood still during a scenario: every `intervalMs` the meter reads
 * each projector group's committed offsets and the event topic's end; a stall is a run of
 * samples in which a group had messages to apply and its committed offsets did not move.
 * The longest stall per group is reported (to about one interval).
 */
import { Kafka, logLevel } from 'kafkajs';
import type { StackConfig } from '../../common/src/config.ts';

export interface Stalls {
  /** The longest time, in ms, each group had lag and committed nothing. */
  longestMs: Record<string, number>;
  samples: number;
  /** Samples that could not be taken (a broker or the coordinator away): the meter says so rather than guess. */
  missed: number;
}

/** Pure part: feed (time, committed total, lag) samples of one group; longest stall so far. */
export class StallTracker {
  private since: number | undefined;
  private lastCommitted: number | undefined;
  longestMs = 0;

  sample(at: number, committed: number, lag: number): void {
    const progressed = this.lastCommitted === undefined || committed > this.lastCommitted;
    this.lastCommitted = committed;
    if (lag <= 0 || progressed) {
      this.since = lag > 0 ? at : undefined;
      return;
    }
    this.since ??= at;
    this.longestMs = Math.max(this.longestMs, at - this.since);
  }
}

export function startStallMeter(config: StackConfig, groups: string[], intervalMs = 500): { stop: () => Promise<Stalls> } {
  const admin = new Kafka({ clientId: 'chaos-stall-meter', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  const trackers = new Map(groups.map((g) => [g, new StallTracker()]));
  const topic = config.kafka.pointsTopic;
  let samples = 0;
  let missed = 0;
  let running = true;
  const loop = (async () => {
    try {
      await admin.connect();
    } catch {
      // sampled below: every round counts as missed until a broker answers
    }
    while (running) {
      const t = Date.now();
      try {
        const ends = await admin.fetchTopicOffsets(topic);
        const end = ends.reduce((s, o) => s + Number(o.high), 0);
        for (const [group, tracker] of trackers) {
          const committed = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions ?? [];
          const done = committed.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
          tracker.sample(t, done, end - done);
        }
        samples++;
      } catch {
        missed++;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - t))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await admin.disconnect().catch(() => undefined);
      return { longestMs: Object.fromEntries([...trackers].map(([g, tr]) => [g, tr.longestMs])), samples, missed };
    },
  };
}
