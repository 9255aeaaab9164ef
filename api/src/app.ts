/**
 * The Fastify application: infrastructure plugins (validation, errors, auth, rate
 * limit, OpenAPI, metrics), then the routes. Dependencies are passed in, so tests
 * build the same app against the real database with their own clock or keys.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { Counter } from 'prom-client';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Shards } from '../../common/src/mysql.ts';
import { repoRoot, type StackConfig } from '../../common/src/config.ts';
import type { RedisClient } from '../../common/src/redis.ts';
import { AppError } from './http/app-error.ts';
import { registerAccessLog } from './http/access-log.ts';
import { registerAuth } from './http/auth.ts';
import { frameworkErrors, registerErrorHandling } from './http/errors.ts';
import { markOptionalBodies } from './http/schemas.ts';
import { registerMetrics } from './http/metrics.ts';
import { redisRateLimitStore } from './http/rate-limit-store.ts';
import { validatorCompiler } from './http/validation.ts';
import { Ledger } from './ledger/ledger.ts';
import { commandRoutes } from './routes/commands.ts';
import { grantBatchRoutes } from './routes/grant-batches.ts';
import { pipelineRoutes } from './routes/pipeline.ts';
import { deadLetterRoutes } from './routes/dead-letters.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { adminSearchRoutes } from './routes/admin-search.ts';
import type { ClickHouse } from '../../common/src/clickhouse.ts';
import { queryRoutes, type QueryDeps } from './routes/queries.ts';
import { systemRoutes } from './routes/system.ts';
import { expiryNoticeRoutes } from './routes/expiry-notices.ts';

export const BODY_LIMIT = 16 * 1024;
/** Where the API instances keep the per-key request counters (one Redis key per API key and second). */
export const RATE_LIMIT_PREFIX = 'ledger:ratelimit:';

export interface AppDeps {
  config: StackConfig;
  /** The write model's shards (one in single). */
  shards: Shards;
  schemaId: number;
  /** The id of ExpiryNotice in the registry (notices topic's subject); POST /v1/points/expiry-notices is served only when it is given. */
  noticeSchemaId?: number;
  /** The read model; queries are served only when it is given. It also holds the rate limit's counters. */
  redis?: RedisClient;
  /**
   * The rate limit's counters' key prefix in Redis (default RATE_LIMIT_PREFIX): API
   * instances with the same prefix share every key's budget. Tests give their app its own.
   */
  rateLimitPrefix?: string;
  olderHistory?: QueryDeps['olderHistory'];
  /** The analytics model (read-only analyst user); analytics are served only when it is given. */
  analytics?: ClickHouse;
  clock?: () => number;
  /**
   * Run the grant batch worker (ADR 0014) in this app: the API process does (main.ts), and
   * the tests of the batches. Off by default: the worker takes rows of every batch on the
   * shards, so an app built for something else (a test with its own clock or keys, a
   * benchmark) must not grant them with its own settings.
   */
  runGrantBatches?: boolean;
  logger?: boolean;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, shards, schemaId } = deps;
  const clock = deps.clock ?? Date.now;
  const app = Fastify({
    // One line per request (access-log.ts), written asynchronously: a burst of requests
    // shares write calls instead of blocking the event loop on one write each.
    logger: deps.logger === false ? false : { level: config.api.logLevel, stream: pino.destination({ dest: 1, sync: false }) },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    genReqId: () => randomUUID(),
    frameworkErrors,
    requestIdHeader: 'x-request-id',
    // While closing, Fastify would answer a request that still arrives (on a kept-alive
    // connection) 503 with a body of its own: registerErrorHandling answers it in the
    // error envelope instead (503 UNAVAILABLE).
    return503OnClosing: false,
  });

  app.setValidatorCompiler(validatorCompiler);
  // JSON only: anything else is 415 UNSUPPORTED_MEDIA_TYPE.
  app.removeContentTypeParser('text/plain');
  registerErrorHandling(app);
  registerAuth(app, config.api.keys);
  registerAccessLog(app);
  await app.register(rateLimit, {
    global: true,
    // Counted in Redis, shared by every API instance (rate-limit-store.ts); while Redis is
    // down the limit is skipped (fail open). An app without Redis counts in its process.
    ...(deps.redis ? { store: redisRateLimitStore({ redis: deps.redis, prefix: deps.rateLimitPrefix ?? RATE_LIMIT_PREFIX, log: app.log }) } : {}),
    max: (request) => request.apiKey?.rateLimitPerSecond ?? config.api.rateLimitPerSecond,
    timeWindow: 1000,
    keyGenerator: (request) => request.apiKey?.name ?? request.ip,
    allowList: (request) => !request.routeOptions.config?.scope,
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', `more than ${context.max} requests per second with this key`, {
        retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)),
      }),
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Point ledger API', version: '1.0.0', description: 'The v1 HTTP contract (shared/API.md).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transformObject: (doc) => ('openapiObject' in doc ? markOptionalBodies(doc.openapiObject) : doc.swaggerObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  const metrics = registerMetrics(app);

  // The admin console (web/, built by `make up` into web/dist), public like /docs: it
  // holds no key; the operator types one in and it calls this API.
  // Registered even before the first build: a build made later is served at once.
  const consoleDir = path.join(repoRoot, 'web/dist');
  mkdirSync(consoleDir, { recursive: true });
  await app.register(fastifyStatic, { root: consoleDir, prefix: '/console/', index: 'index.html' });
  app.get('/console', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'));

  const ledger = new Ledger({ shards, schemaId, clock });
  // ADR 0011: a key's claim that its shard could not take (it was down) is said loudly.
  const claimsSkipped = new Counter({
    name: 'ledger_idempotency_claims_skipped_total',
    help: "Idempotency-key claims not written or settled because the key's shard did not answer (ADR 0011)",
    labelNames: ['shard'],
    registers: [metrics],
  });
  ledger.onClaimSkipped((shard, key, err) => {
    claimsSkipped.inc({ shard: String(shard + 1) });
    app.log.warn({ shard: shard + 1, idempotencyKey: key, err: (err as Error).message }, "idempotency claim skipped: the key's shard did not answer");
  });
  await app.register(async (scope) => {
    await systemRoutes(scope, { shards });
    await commandRoutes(scope, {
      ledger,
      sweep: { shards, schemaId },
      idempotencyRetentionDays: config.api.idempotencyRetentionDays,
      clock,
    });
    await grantBatchRoutes(scope, { config, shards, ledger, metrics, clock, runWorker: deps.runGrantBatches === true });
    if (deps.redis) {
      await queryRoutes(scope, { redis: deps.redis, olderHistory: deps.olderHistory, clock });
      await pipelineRoutes(scope, { config, redis: deps.redis, metrics });
      await deadLetterRoutes(scope, { config, redis: deps.redis });
    }
    if (deps.analytics) await analyticsRoutes(scope, { ch: deps.analytics, clock });
    if (deps.analytics) await adminSearchRoutes(scope, { ch: deps.analytics, clock });
    if (deps.noticeSchemaId !== undefined) {
      await expiryNoticeRoutes(scope, { shards, schemaId: deps.noticeSchemaId, topic: config.kafka.noticesTopic, clock });
    }
  });
  return app;
}
