/// <reference types="@fastify/swagger" />
/**
 * GET /health: the API and the databases it writes to. Public; HAProxy checks it.
 * 200 while at least one shard answers (the API still serves that shard's users;
 * status "degraded" when another does not), 503 when none does. With shards, checks
 * name each one (mysql-1, mysql-2) besides the summary `mysql`.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Shards } from '../../../common/src/mysql.ts';

const Health = Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Type.String()) });

async function answers(shards: Shards, shard: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      shards.db(shard).raw('SELECT 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), 2000);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function systemRoutes(app: FastifyInstance, deps: { shards: Shards }): Promise<void> {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Health: 200 while MySQL answers (with shards: while one shard answers, "degraded" unless all do), 503 otherwise',
        tags: ['system'],
        security: [],
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const { shards } = deps;
      const up = await Promise.all(shards.dbs.map((_, i) => answers(shards, i)));
      const upCount = up.filter(Boolean).length;
      const checks: Record<string, string> = { mysql: upCount === up.length ? 'up' : upCount === 0 ? 'down' : 'degraded' };
      if (up.length > 1) {
        for (const [i, ok] of up.entries()) checks[`mysql-${i + 1}`] = ok ? 'up' : 'down';
      }
      if (upCount === 0) return reply.code(503).send({ status: 'unavailable', checks });
      return { status: upCount === up.length ? 'ok' : 'degraded', checks };
    },
  );
}
