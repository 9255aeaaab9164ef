/**
 * One log line per request, written once it is answered: method, URL, status, time,
 * the API key's name and the error code (Fastify's own logging writes two lines, one
 * on arrival and one on completion). The line carries the request id (reqId).
 */
import type { FastifyInstance } from 'fastify';

export function registerAccessLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        key: request.apiKey?.name,
        code: request.errorCode,
      },
      'request',
    );
  });
}
