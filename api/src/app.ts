/**
 * The Fastify application: infrastructure plugins (validation, errors, auth, rate
 * limit, OpenAPI, metrics), then the routes. Dependencies are passed in, so tests
 * build the same app against the real database with their own clock or keys.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import pino from 'pino';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Redis } from 'ioredis';
import { repoRoot, type StackConfig } from '../../common/src/config.ts';
import { AppError } from './http/app-error.ts';
import { registerAccessLog } from './http/access-log.ts';
import { registerAuth } from './http/auth.ts';
import { frameworkErrors, registerErrorHandling } from './http/errors.ts';
import { markOptionalBodies } from './http/schemas.ts';
import { registerMetrics } from './http/metrics.ts';
import { validatorCompiler } from './http/validation.ts';
import { Ledger } from './ledger/ledger.ts';
import { commandRoutes } from './routes/commands.ts';
import { pipelineRoutes } from './routes/pipeline.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import type { ClickHouse } from '../../common/src/clickhouse.ts';
import { queryRoutes, type QueryDeps } from './routes/queries.ts';
import { systemRoutes } from './routes/system.ts';

export const BODY_LIMIT = 16 * 1024;

export interface AppDeps {
  config: StackConfig;
  db: Knex;
  schemaId: number;
  /** The read model; queries are served only when it is given. */
  redis?: Redis;
  olderHistory?: QueryDeps['olderHistory'];
  /** The analytics model (read-only analyst user); analytics are served only when it is given. */
  analytics?: ClickHouse;
  clock?: () => number;
  newId?: () => string;
  logger?: boolean;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, db, schemaId } = deps;
  const clock = deps.clock ?? Date.now;
  const newId = deps.newId ?? randomUUID;
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

  const ledger = new Ledger({ db, schemaId, clock, newId });
  await app.register(async (scope) => {
    await systemRoutes(scope, { db });
    await commandRoutes(scope, {
      ledger, sweep: { db, schemaId, newId }, idempotencyRetentionDays: config.api.idempotencyRetentionDays, clock, newId,
    });
    if (deps.redis) {
      await queryRoutes(scope, { redis: deps.redis, olderHistory: deps.olderHistory, clock });
      await pipelineRoutes(scope, { config, redis: deps.redis, metrics });
    }
    if (deps.analytics) await analyticsRoutes(scope, { ch: deps.analytics, clock });
  });
  return app;
}
