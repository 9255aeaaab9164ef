/**
 * `make topics`: creates the Kafka topics the pipeline needs, with their settings;
 * topics that exist are left as they are (a partition count that differs is reported,
 * never changed: more partitions would move users to other partitions).
 */
import { Kafka, logLevel, type ITopicConfig } from 'kafkajs';
import { loadConfig } from '../../common/src/config.ts';
import { readConnectorFiles } from './connectors.ts';

const cfg = loadConfig();
const FOREVER = { 'retention.ms': '-1', 'retention.bytes': '-1', 'cleanup.policy': 'delete' };
const COMPACT = { 'cleanup.policy': 'compact' };

function entries(o: Record<string, string>) {
  return Object.entries(o).map(([name, value]) => ({ name, value }));
}

// Topics named by the connectors: Debezium's schema history (one partition, kept
// forever: losing it means a new snapshot) and the heartbeat topic, of every connector
// (one per MySQL shard). The connector class does not matter here.
const connectorTopics: ITopicConfig[] = readConnectorFiles({ CDC_CONNECTOR_CLASS: '-' }).flatMap(({ config: c }) => {
  const out: ITopicConfig[] = [];
  const history = c['schema.history.internal.kafka.topic'];
  if (history) out.push({ topic: history, numPartitions: 1, configEntries: entries(FOREVER) });
  if (c['heartbeat.interval.ms'] && c['topic.prefix']) {
    out.push({
      topic: `${c['topic.heartbeat.prefix'] ?? '__debezium-heartbeat'}.${c['topic.prefix']}`,
      numPartitions: 1,
      configEntries: entries({ 'retention.ms': String(24 * 3600 * 1000) }),
    });
  }
  return out;
});

const topics: ITopicConfig[] = [
  // The event log every read model is rebuilt from: kept forever, keyed by userId.
  { topic: cfg.kafka.pointsTopic, numPartitions: cfg.kafka.pointsTopicPartitions, configEntries: entries(FOREVER) },
  // Expiry notices (docs/expiry-notices.md), keyed by userId like the events and with as
  // many partitions; kept forever too: a notifier that starts later reads them all.
  { topic: cfg.kafka.noticesTopic, numPartitions: cfg.kafka.pointsTopicPartitions, configEntries: entries(FOREVER) },
  // Messages a projector could not decode or validate, with the reason in headers.
  { topic: cfg.kafka.dlqTopic, numPartitions: 1, configEntries: entries(FOREVER) },
  // Kafka Connect's own state (compacted, as Connect requires).
  { topic: `${cfg.connect.groupId}.configs`, numPartitions: 1, configEntries: entries(COMPACT) },
  { topic: `${cfg.connect.groupId}.offsets`, numPartitions: 5, configEntries: entries(COMPACT) },
  { topic: `${cfg.connect.groupId}.status`, numPartitions: 1, configEntries: entries(COMPACT) },
  ...connectorTopics,
  // cluster: the registries' shared storage (Apicurio's KafkaSQL journal and snapshots,
  // one partition each so every instance reads one order; kept forever).
  ...(cfg.topology === 'cluster'
    ? [
        { topic: 'kafkasql-journal', numPartitions: 1, configEntries: entries(FOREVER) },
        { topic: 'kafkasql-snapshots', numPartitions: 1, configEntries: entries(FOREVER) },
      ]
    : []),
  // Replication: 1 in single; 3 with 2 in sync in cluster (the brokers' defaults too).
].map((t) => ({
  ...t,
  replicationFactor: cfg.kafka.replicationFactor,
  configEntries: [...(t.configEntries ?? []), { name: 'min.insync.replicas', value: String(cfg.kafka.minInsyncReplicas) }],
}));

const kafka = new Kafka({
  clientId: 'stack-topics',
  brokers: cfg.kafka.brokers,
  logLevel: logLevel.ERROR,
  retry: { retries: 10, initialRetryTime: 300 },
});
const admin = kafka.admin();
await admin.connect();
try {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  }
  const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
  for (const t of topics) {
    const m = meta.topics.find((x) => x.name === t.topic);
    const parts = m?.partitions.length ?? 0;
    const state = missing.includes(t) ? 'created' : 'exists';
    const note = parts !== t.numPartitions ? ` (WARNING: ${parts} partitions, configured ${t.numPartitions})` : '';
    const replicas = m?.partitions[0]?.replicas.length ?? 0;
    const rfNote = replicas !== cfg.kafka.replicationFactor ? ` (WARNING: ${replicas} replicas, configured ${cfg.kafka.replicationFactor})` : '';
    console.log(`${t.topic.padEnd(34)} ${state}, ${parts} partition(s), ${replicas} replica(s)${note}${rfNote}`);
  }
} finally {
  await admin.disconnect();
}
