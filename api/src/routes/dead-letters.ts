/// <reference types="@fastify/swagger" />
/**
 * GET /v1/pipeline/dead-letters and POST /v1/pipeline/dead-letters/redrive (admin;
 * API.md "Operations"): the letters of the dead-letter topic, oldest first, and their
 * redrive by the projector itself (api/src/pipeline/dead-letters.ts, ADR 0015,
 * docs/dead-letters.md).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { StackConfig } from '../../../common/src/config.ts';
import type { RedisClient } from '../../../common/src/redis.ts';
import { DeadLetterPage, ProjectorNameSchema, RedriveAnswer, RedriveBody } from '../../../schemas/dead-letter-answers.ts';
import { AppError } from '../http/app-error.ts';
import { errorResponses, SCOPED_ERRORS, UserId } from '../http/schemas.ts';
import { decodeCursor } from '../pipeline/dead-letters-cursor.ts';
import { DeadLetters, REDRIVE_WAIT_MS } from '../pipeline/dead-letters.ts';

const ListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 100' })),
    cursor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 8000,
        // base64url, as the API makes them: a URL of such characters stays within Node's
        // 16 KiB header limit (any other character would be percent-encoded, up to 12 bytes).
        pattern: '^[A-Za-z0-9_-]+$',
        description: 'nextCursor of the previous page (base64url, at most 8,000 characters)',
      }),
    ),
    projector: Type.Optional(ProjectorNameSchema),
    key: Type.Optional({ ...UserId, description: "only the letters with this key (the message's userId)" }),
  },
  { additionalProperties: false },
);

export async function deadLetterRoutes(app: FastifyInstance, deps: { config: StackConfig; redis: RedisClient }): Promise<void> {
  const deadLetters = new DeadLetters(deps.config, deps.redis);
  app.addHook('onClose', async () => {
    await deadLetters.close();
  });

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/pipeline/dead-letters',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'The dead letters (messages a projector could not decode or apply), oldest first, with what the last redrive did with each',
        description:
          "Oldest first: by partition of the dead-letter topic, then offset. partition and offset are the message's place on points.events; dlqPartition and dlqOffset the letter's own. projector and key filter (optional).",
        tags: ['admin'],
        querystring: ListQuery,
        response: { 200: DeadLetterPage, ...errorResponses([400, ...SCOPED_ERRORS, 503]) },
      },
    },
    async (request) => {
      const q = request.query;
      const from = q.cursor === undefined ? new Map<number, number>() : decodeCursor(q.cursor);
      if (!from)
        throw new AppError('VALIDATION_FAILED', 'cursor is not one this API gave', [{ field: 'querystring.cursor', message: 'is not a cursor of this list' }]);
      return deadLetters.list({ limit: q.limit ?? 100, from, projector: q.projector, key: q.key });
    },
  );

  app.post<{ Body: Static<typeof RedriveBody> }>(
    '/v1/pipeline/dead-letters/redrive',
    {
      config: { scope: 'admin' },
      schema: {
        summary: "Gives a projector's dead letters to it again (after a fix); each event applied once, never twice",
        description:
          `One instance of the projector redrives (the API never writes a read model); this waits for its result up to ${REDRIVE_WAIT_MS / 1000} s, ` +
          'else 503 UNAVAILABLE (no instance takes requests, or it did not finish in time: redriving again is safe). ' +
          'Letters an earlier redrive applied or found applied are skipped unless includeRedriven.',
        tags: ['admin'],
        body: RedriveBody,
        response: { 200: RedriveAnswer, ...errorResponses([400, ...SCOPED_ERRORS, 413, 415, 503]) },
      },
    },
    async (request) => deadLetters.redrive(request.body.projector, request.body.includeRedriven ?? false),
  );
}
