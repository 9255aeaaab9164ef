/// <reference types="@fastify/swagger" />
/** GET /health: the API and the database it writes to. Public. */
import type { FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import { Type } from '@sinclair/typebox';

const Health = Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) });

export async function systemRoutes(app: FastifyInstance, deps: { db: Knex }): Promise<void> {
  app.get('/health', {
    schema: { summary: 'Health: answers 200 when MySQL answers, 503 otherwise', tags: ['system'], security: [], response: { 200: Health, 503: Health } },
  }, async (_request, reply) => {
    try {
      await Promise.race([
        deps.db.raw('SELECT 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000)),
      ]);
      return { status: 'ok', checks: { mysql: 'up' } };
    } catch {
      return reply.code(503).send({ status: 'unavailable', checks: { mysql: 'down' } });
    }
  });
}
