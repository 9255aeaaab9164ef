/** How far a consumer group is behind the end of a topic, per partition. */
import type { Admin } from 'kafkajs';

export interface PartitionLag {
  partition: number;
  /** The group's committed offset (0 when it has committed nothing). */
  committed: number;
  end: number;
  lag: number;
}

/** Lag of `groupId` on `topic`; `ends` are the topic's end offsets (fetched when not given). */
export async function groupLag(admin: Admin, groupId: string, topic: string, ends?: Map<number, number>): Promise<{ lag: number; partitions: PartitionLag[] }> {
  const endOffsets = ends ?? new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
  const partitions = [...endOffsets]
    .sort(([a], [b]) => a - b)
    .map(([partition, end]) => {
      const at = Math.max(0, Number(committed.find((p) => p.partition === partition)?.offset ?? 0));
      return { partition, committed: at, end, lag: Math.max(0, end - at) };
    });
  return { lag: partitions.reduce((s, p) => s + p.lag, 0), partitions };
}
