/// <reference types="@fastify/swagger" />
/**
 * POST /v1/points/expiry-notices (API.md "Operations", scope admin): one notice per lot
 * that expires within `withinDays` days with points left and no notice for that lot and
 * window yet, through the outbox to points.notices. Safe to repeat and to run at once
 * from two places: it needs no Idempotency-Key, a second run sends no duplicate and
 * answers 0 (docs/expiry-notices.md).
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Shards } from '../../../common/src/mysql.ts';
import { errorResponses, SCOPED_ERRORS } from '../http/schemas.ts';
import { sendExpiryNotices, WITHIN_DAYS } from '../notices/expiry-notices.ts';

export const ExpiryNoticesBody = Type.Object(
  {
    withinDays: Type.Integer({
      minimum: WITHIN_DAYS.min,
      maximum: WITHIN_DAYS.max,
      description: `the window: lots that expire within this many days from now (${WITHIN_DAYS.min}-${WITHIN_DAYS.max})`,
    }),
  },
  { additionalProperties: false },
);
export type ExpiryNoticesBody = Static<typeof ExpiryNoticesBody>;

export const ExpiryNoticesReply = Type.Object({
  notices: Type.Integer({ minimum: 0, description: 'notices this run created, one per lot' }),
  users: Type.Integer({ minimum: 0, description: 'users they went to' }),
  points: Type.Integer({ minimum: 0, description: 'Σ of their amounts: points left in those lots' }),
});

export interface ExpiryNoticeRouteDeps {
  shards: Shards;
  /** The id of ExpiryNotice under the notices topic's subject (registered at start). */
  schemaId: number;
  /** The notices topic (config.kafka.noticesTopic). */
  topic: string;
  clock: () => number;
}

export async function expiryNoticeRoutes(app: FastifyInstance, deps: ExpiryNoticeRouteDeps): Promise<void> {
  app.post<{ Body: ExpiryNoticesBody }>(
    '/v1/points/expiry-notices',
    {
      config: { scope: 'admin', command: 'expiryNotices' },
      schema: {
        operationId: 'expiryNotices',
        summary:
          'Expiry notices: one per lot expiring within withinDays with points left and no notice yet for it and that window (to points.notices; safe to repeat)',
        tags: ['operations'],
        body: ExpiryNoticesBody,
        response: { 200: ExpiryNoticesReply, ...errorResponses([400, ...SCOPED_ERRORS, 413, 415, 503]) },
      },
    },
    async (request) => {
      const { withinDays } = request.body;
      const result = await sendExpiryNotices(
        { shards: deps.shards, schemaId: deps.schemaId, topic: deps.topic, log: (msg, data) => request.log.info(data, msg) },
        withinDays,
        deps.clock(),
      );
      request.log.info({ withinDays, ...result }, 'expiry notices: run done');
      return result;
    },
  );
}
