/**
 * A request that still reaches the API while it closes (pipelined on a kept-alive
 * connection, behind one in flight) is answered 503 UNAVAILABLE in the error envelope
 * of API.md, not with Fastify's own 503 body (found by Schemathesis during a restart).
 */
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/app.ts';
import { testUser } from '../../testing/users.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.shards.destroy();
  t?.redis.disconnect();
});

/** Sends `first`, then `then(socket)`, on one connection; all it receives until the server closes it. */
function exchange(port: number, first: string, then: (socket: Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(first);
      then(socket);
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no end of the connection; received: ${data}`)));
  });
}

describe('closing', () => {
  it('answers a request that arrives while closing 503 UNAVAILABLE in the envelope', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const user = testUser('closing');
    // The first request waits 400 ms for a seq the user never reaches, which keeps the
    // connection open while the app closes (at 100 ms); the second comes on it at 200 ms.
    const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${t.auth.read}\r\nConnection: keep-alive\r\n\r\n`;
    let closed: Promise<void> | undefined;
    const received = await exchange(port, request(`/v1/users/${user}/balance?minSeq=1&waitMs=400`), (socket) => {
      setTimeout(() => {
        closed = t.app.close();
      }, 100);
      setTimeout(() => socket.write(request(`/v1/users/${user}/balance`)), 200);
    });
    await closed;

    const answers = received.split(/(?=HTTP\/1\.1 )/);
    expect(answers, received).toHaveLength(2);
    expect(answers[0]).toMatch(/^HTTP\/1\.1 504 /);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(answers[1]).toMatch(/content-type: application\/json/i);
    const body = JSON.parse(answers[1]!.slice(answers[1]!.indexOf('\r\n\r\n') + 4)) as unknown;
    expect(body).toEqual({ error: { code: 'UNAVAILABLE', message: 'the API is shutting down; try again' } });
  });
});
