/** Test support: read what a topic received from a recorded point on. */
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { loadConfig } from '../common/src/config.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Received {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export function testKafka(clientId = 'tests'): Kafka {
  return new Kafka({ clientId, brokers: loadConfig().kafka.brokers, logLevel: logLevel.NOTHING });
}

/** The next offset of every partition: what is written after this call starts there. */
export async function endOffsets(topic: string): Promise<Map<number, string>> {
  const admin = testKafka('tests-admin').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, o.high]));
  } finally {
    await admin.disconnect();
  }
}

function headersOf(m: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    if (v !== undefined) out[k] = Array.isArray(v) ? String(v[0]) : String(v);
  }
  return out;
}

/**
 * Reads `topic` from `from` (partition -> offset) until `done(received)` is true or
 * `timeoutMs` passes; returns everything read, in order per partition, each offset once.
 *
 * The start offsets are committed for a fresh group before its consumer joins, and
 * the consumer commits as it reads: a rebalance of the group (a broker of the cluster
 * topology that moves the coordinator) resumes from there. A seek() alone is lost in
 * a rebalance, and the consumer would then start at the end of the topic.
 */
export async function collect(topic: string, from: Map<number, string>, done: (received: Received[]) => boolean, timeoutMs: number): Promise<Received[]> {
  const kafka = testKafka();
  const groupId = `tests-${process.pid}-${Date.now()}-${Math.random()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId, topic, partitions: [...from].map(([partition, offset]) => ({ partition, offset })) });
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId });
  const received: Received[] = [];
  const seen = new Set<string>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let finished!: () => void;
    const finishedP = new Promise<void>((r) => (finished = r));
    await consumer.run({
      autoCommitInterval: 500,
      eachMessage: async ({ partition, message }) => {
        const at = `${partition}:${message.offset}`;
        if (seen.has(at)) return; // read again after a rebalance
        seen.add(at);
        received.push({
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value,
          headers: headersOf(message),
        });
        if (done(received)) finished();
      },
    });
    await Promise.race([finishedP, sleep(timeoutMs)]);
    return received;
  } finally {
    await consumer.disconnect();
  }
}
