/// <reference types="@fastify/swagger" />
/**
 * GET /v1/pipeline/status (admin): the connector and its task, each projector's
 * consumer-group lag, last event seen and freshness (commit to applied), and the
 * dead-letter topic's size.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Type } from '@sinclair/typebox';
import type { StackConfig } from '../../../common/src/config.ts';
import { readStatus } from '../../../projectors/shared/status.ts';
import { groupLag } from '../../../common/src/kafka-lag.ts';
import { ConnectClient } from '../../../infra/scripts/connectors.ts';
import { ErrorBody } from '../http/schemas.ts';

export const PROJECTORS = [
  { name: 'redis', groupId: 'projector-redis' },
  { name: 'clickhouse', groupId: 'projector-clickhouse' },
] as const;

export interface PipelineDeps {
  config: StackConfig;
  redis: Redis;
  connectorName?: string;
}

export async function pipelineRoutes(app: FastifyInstance, deps: PipelineDeps): Promise<void> {
  const { config, redis } = deps;
  const connectorName = deps.connectorName ?? 'points-outbox';
  const kafka = new Kafka({ clientId: 'api-pipeline-status', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 } });
  let admin: Admin | undefined;
  const getAdmin = async () => {
    if (!admin) {
      const a = kafka.admin();
      await a.connect();
      admin = a;
    }
    return admin;
  };
  app.addHook('onClose', async () => { await admin?.disconnect(); });
  const connect = new ConnectClient(config.connect.url);

  app.get('/v1/pipeline/status', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Connector and task state, lag and freshness per projector, dead-letter count',
      tags: ['admin'],
      response: { 200: Type.Object({}, { additionalProperties: true }), 401: ErrorBody, 403: ErrorBody },
    },
  }, async (request) => {
    const now = Date.now();
    const connector = await connect.status(connectorName).then(
      (s) => (s ? { name: connectorName, state: s.connector.state, tasks: s.tasks.map((t) => ({ id: t.id, state: t.state })) } : { name: connectorName, state: 'NOT_REGISTERED', tasks: [] }),
      (e: Error) => ({ name: connectorName, state: 'UNREACHABLE', error: e.message, tasks: [] }),
    );
    let kafkaState: Record<string, unknown> = { reachable: true };
    let ends = new Map<number, number>();
    let dlqMessages: number | null = null;
    let a: Admin | undefined;
    try {
      a = await getAdmin();
      ends = new Map((await a.fetchTopicOffsets(config.kafka.pointsTopic)).map((o) => [o.partition, Number(o.high)]));
      dlqMessages = (await a.fetchTopicOffsets(config.kafka.dlqTopic)).reduce((s, o) => s + Number(BigInt(o.high) - BigInt(o.low)), 0);
      kafkaState = { reachable: true, topic: config.kafka.pointsTopic, partitions: ends.size, messages: [...ends.values()].reduce((s, v) => s + v, 0) };
    } catch (e) {
      request.log.warn({ err: e }, 'pipeline status: Kafka not reachable');
      kafkaState = { reachable: false, error: (e as Error).message };
      admin = undefined;
    }
    const projectors = await Promise.all(PROJECTORS.map(async (p) => {
      const lag = a && kafkaState.reachable ? await groupLag(a, p.groupId, config.kafka.pointsTopic, ends).catch(() => null) : null;
      const status = await readStatus(redis, p.name).catch(() => null);
      const last = status?.lastEvent ?? null;
      return {
        name: p.name,
        groupId: p.groupId,
        lag: lag?.lag ?? null,
        partitions: lag?.partitions ?? [],
        lastEvent: last ? { userId: last.userId, seq: last.seq, occurredAt: new Date(last.occurredAt).toISOString(), appliedAt: new Date(last.appliedAt).toISOString() } : null,
        freshnessMs: last ? last.appliedAt - last.occurredAt : null,
        statusAgeMs: status?.updatedAt ? now - status.updatedAt : null,
        applied: status?.applied ?? 0,
        duplicatesSkipped: status?.duplicates ?? 0,
        deadLettered: status?.deadLettered ?? 0,
        storeRetries: status?.storeRetries ?? 0,
        gapsStopped: status?.gapsStopped ?? 0,
      };
    }));
    return { at: new Date(now).toISOString(), connector, kafka: kafkaState, projectors, deadLetter: { topic: config.kafka.dlqTopic, messages: dlqMessages } };
  });
}
