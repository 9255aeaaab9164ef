/// <reference types="@fastify/swagger" />
/**
 * GET /v1/pipeline/status (admin): each outbox connector and its tasks with how far it
 * is behind its database (binlog bytes, milliseconds), each projector's consumer-group
 * lag, state (running / stalled / not reporting), last event and freshness, and each of
 * its instances (running / stalled / dead / not reporting, the partitions it holds), the
 * end-to-end freshness and the dead-letter topic's size.
 * GET /v1/pipeline/history (admin): the last minutes of those figures, one point per
 * sample (the console's chart). Both come from the PipelineMonitor (api/src/pipeline).
 */
import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '../../../common/src/redis.ts';
import type { Registry } from 'prom-client';
import { PipelineHistory, PipelineStatus } from '../../../schemas/http-answers.ts';
import type { StackConfig } from '../../../common/src/config.ts';
import { PipelineMonitor } from '../pipeline/monitor.ts';
import { ErrorBody } from '../http/schemas.ts';

export interface PipelineDeps {
  config: StackConfig;
  redis: RedisClient;
  /** Where the monitor's gauges go (the app's /metrics registry). */
  metrics?: Registry;
}

export async function pipelineRoutes(app: FastifyInstance, deps: PipelineDeps): Promise<void> {
  const monitor = new PipelineMonitor(deps.config, deps.redis, app.log, deps.metrics);
  app.addHook('onReady', async () => {
    monitor.start();
  });
  app.addHook('onClose', async () => {
    await monitor.stop();
  });

  app.get(
    '/v1/pipeline/status',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Connectors with their CDC lag, projectors with lag, state and freshness, end-to-end freshness, dead-letter count',
        tags: ['admin'],
        response: { 200: PipelineStatus, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (): Promise<PipelineStatus> => {
      const s = await monitor.current();
      const first = s.connectors[0];
      return {
        at: new Date(s.at).toISOString(),
        // The first (in the single topology the only) connector, as before; all of them in `connectors`.
        connector: first
          ? {
              name: first.name,
              state: first.state,
              tasks: first.tasks.map((t) => ({ id: t.id, state: t.state })),
              ...(first.error ? { error: first.error } : {}),
            }
          : null,
        connectors: s.connectors,
        kafka: s.kafka,
        projectors: s.projectors,
        freshnessMs: s.freshnessMs,
        deadLetter: s.deadLetter,
      };
    },
  );

  app.get(
    '/v1/pipeline/history',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'The last minutes of CDC lag, projector lag and freshness, one point per sample',
        tags: ['admin'],
        response: {
          200: PipelineHistory,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async () => monitor.historyPoints(),
  );
}
