/** One access-log line per answered request, with what an operator looks for. */
import Fastify, { LogController } from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerAccessLog } from './access-log.ts';

describe('access log', () => {
  it('writes exactly one line per request: method, URL, status, time and request id', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = Fastify({
      logger: { level: 'info', stream: { write: (l: string) => lines.push(JSON.parse(l)) } },
      logController: new LogController({ disableRequestLogging: true }),
    });
    registerAccessLog(app);
    app.get('/thing', async () => ({ ok: true }));
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/thing?x=1' });
    expect(res.statusCode).toBe(200);
    await app.inject({ method: 'GET', url: '/missing' });
    await app.close();
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ method: 'GET', url: '/thing?x=1', status: 200, reqId: expect.any(String) });
    expect(typeof requests[0]!.ms).toBe('number');
    expect(requests[1]).toMatchObject({ url: '/missing', status: 404 });
  });
});
