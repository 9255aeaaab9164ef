/**
 * The API's wait for a redrive (DeadLetters.redrive) against the real Redis, for a
 * projector name of this run's own (the running projectors never see it): no instance
 * polling is 503 at once; an instance that polls but never takes the request is 503 after
 * the wait, and the request is withdrawn; an answer or a failure written back by the
 * projector's side of the protocol (common/src/redrive-queue.ts, driven here by the test)
 * is answered. The running projectors' own redrives are projectors/test/dead-letters.e2e.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../common/src/config.ts';
import { createRedis } from '../../../common/src/redis.ts';
import { parseRequest, redriveKeys, redriveWorkerSide as side } from '../../../common/src/redrive-queue.ts';
import type { ProjectorName } from '../../../schemas/dead-letter-answers.ts';
import { AppError } from '../http/app-error.ts';
import { DeadLetters } from './dead-letters.ts';

const config = loadConfig();
const redis = createRedis(config);
const projector = `test-${randomUUID().slice(0, 8)}` as ProjectorName;
const k = redriveKeys(projector);
const deadLetters = new DeadLetters(config, redis);

afterAll(async () => {
  for (const key of [k.requests, k.lock, k.taken, k.workers, k.letters]) await redis.del(key);
  await deadLetters.close();
  redis.disconnect();
});

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

/** The projector's side for one request: take it, answer with `answer` (or fail with `error`). */
async function serveOne(answer: unknown, error?: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const text = await side.take(redis, projector, 'tok', 'inst-1', Date.now());
    if (text) {
      const r = parseRequest(text)!;
      await side.publish(redis, projector, error ? { requestId: r.requestId, ok: false, error } : { requestId: r.requestId, ok: true, answer });
      await side.release(redis, projector, 'tok');
      return;
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('no request came');
}

describe('DeadLetters.redrive', () => {
  it('answers 503 at once when no instance of the projector polls for requests, and queues nothing', async () => {
    const t = Date.now();
    const e = await refusal(deadLetters.redrive(projector, false));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(new RegExp(`no ${projector} projector instance takes redrive requests`));
    expect(Date.now() - t).toBeLessThan(2000);
    expect(await redis.llen(k.requests)).toBe(0);
  });

  it('answers 503 after the wait when no instance takes the request, and takes the request back', async () => {
    await side.heartbeat(redis, projector, 'inst-1', Date.now());
    // A redrive holds the lock all along: the request waits behind it.
    await redis.set(k.lock, 'someone-else', 'PX', 5000);
    const e = await refusal(deadLetters.redrive(projector, false, 800));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/took the redrive request within/);
    expect(await redis.llen(k.requests)).toBe(0);
    await redis.del(k.lock);
  });

  it("answers the projector's result, or 503 with its reason when it could not redrive", async () => {
    await side.heartbeat(redis, projector, 'inst-1', Date.now());
    const answer = { redriven: 2, applied: 1, stillFailing: 1 };
    const [got] = await Promise.all([deadLetters.redrive(projector, true, 10_000), serveOne(answer)]);
    expect(got).toEqual(answer);

    await side.heartbeat(redis, projector, 'inst-1', Date.now());
    const [e] = await Promise.all([refusal(deadLetters.redrive(projector, false, 10_000)), serveOne(undefined, 'the store failed 6 times')]);
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/could not redrive: the store failed 6 times/);
    expect(e.details).toMatchObject({ requestId: expect.any(String) });
  });
});
