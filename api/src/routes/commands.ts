/// <reference types="@fastify/swagger" />
/** The command routes of API.md: they write MySQL only, through the Ledger. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../http/app-error.ts';
import { requestHash } from '../http/idempotency.ts';
import {
  ActivateBody,
  ActivateReply,
  CaptureBody,
  CaptureReply,
  HoldBody,
  HoldParams,
  HoldReply,
  ReleaseBody,
  ReleaseReply,
  CancelBody,
  CancelReply,
  COMMAND_ERRORS,
  errorResponses,
  ExpireBody,
  ExpireReply,
  GrantBody,
  GrantParams,
  GrantReply,
  IdempotencyHeaders,
  RevokeBody,
  RevokeReply,
  UseBody,
  UseParams,
  UseReply,
} from '../http/schemas.ts';
import type { CommandResult, Idempotency, Ledger } from '../ledger/ledger.ts';
import { sweepExpired, type SweepDeps } from '../ledger/expiry-sweep.ts';
import { purgeIdempotencyKeys } from '../ledger/idempotency-purge.ts';
import { HOLD_TTL_SECONDS } from '../points/types.ts';
import { grantCommandOf, grantFieldsOf, parseTime } from '../batches/grant-row.ts';
import { activationAnswer, cancellationAnswer, captureAnswer, grantAnswer, holdAnswer, releaseAnswer, revocationAnswer, useAnswer } from './command-answers.ts';

const DAY = 24 * 3600 * 1000;

export interface CommandRouteDeps {
  ledger: Ledger;
  sweep: Omit<SweepDeps, 'log'>;
  /** Days idempotency records are kept; the maintenance run deletes older ones. */
  idempotencyRetentionDays: number;
  clock: () => number;
}

// What each command can answer besides its success; 404 only where the path names a grant or use.
const errors = {
  grant: errorResponses(COMMAND_ERRORS, ['IDEMPOTENCY_KEY_REUSED']),
  use: errorResponses(COMMAND_ERRORS, ['INSUFFICIENT_POINTS', 'IDEMPOTENCY_KEY_REUSED']),
  cancelUse: errorResponses([...COMMAND_ERRORS, 404], ['CANCEL_EXCEEDS_USE', 'IDEMPOTENCY_KEY_REUSED']),
  revoke: errorResponses([...COMMAND_ERRORS, 404], ['ALREADY_REVOKED', 'REVOKE_EXCEEDS_REMAINING', 'IDEMPOTENCY_KEY_REUSED']),
  activate: errorResponses([...COMMAND_ERRORS, 404], ['NOT_PENDING', 'IDEMPOTENCY_KEY_REUSED']),
  hold: errorResponses(COMMAND_ERRORS, ['INSUFFICIENT_POINTS', 'IDEMPOTENCY_KEY_REUSED']),
  capture: errorResponses([...COMMAND_ERRORS, 404], ['HOLD_NOT_ACTIVE', 'CAPTURE_EXCEEDS_HOLD', 'IDEMPOTENCY_KEY_REUSED']),
  release: errorResponses([...COMMAND_ERRORS, 404], ['HOLD_NOT_ACTIVE', 'IDEMPOTENCY_KEY_REUSED']),
  expire: errorResponses(COMMAND_ERRORS, ['IDEMPOTENCY_KEY_REUSED']),
};

function idempotencyOf(request: FastifyRequest): Idempotency {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') throw new Error('Idempotency-Key was validated as a string');
  return {
    client: request.apiKey!.name,
    key,
    requestHash: requestHash(request.method, request.url.split('?')[0]!, request.body),
  };
}

function send<R>(reply: FastifyReply, r: CommandResult<R>) {
  if (r.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(r.status).send(r.body);
}

export async function commandRoutes(app: FastifyInstance, deps: CommandRouteDeps): Promise<void> {
  const { ledger, clock } = deps;

  app.post<{ Body: GrantBody }>(
    '/v1/points/grants',
    {
      config: { scope: 'points:write', command: 'grant' },
      // OpenAPI links: what a client (and Schemathesis's stateful phase) can do next with the answer.
      links: {
        201: {
          revokeGrant: { operationId: 'revokeGrant', parameters: { grantId: '$response.body#/grantId' } },
          usePoints: { operationId: 'use', requestBody: { userId: '$response.body#/userId', amount: 1 } },
        },
      },
      schema: {
        operationId: 'grant',
        summary: 'Grant points: a new lot with an expiry',
        tags: ['commands'],
        headers: IdempotencyHeaders,
        body: GrantBody,
        response: { 201: GrantReply, ...errors.grant },
      },
    },
    async (request, reply) => {
      // The same rules and command as a grant batch's rows (batches/grant-row.ts).
      const fields = grantFieldsOf(request.body);
      const grantId = ledger.shards.newIdFor({ userId: fields.userId });
      const r = await ledger.execute({
        idempotency: idempotencyOf(request),
        target: { userId: fields.userId },
        // validDays counts from when the points become usable, at the command's time.
        build: () => grantCommandOf(fields, grantId, clock()),
        respond: grantAnswer(grantId),
      });
      return send(reply, r);
    },
  );

  app.post<{ Body: UseBody }>(
    '/v1/points/uses',
    {
      config: { scope: 'points:write', command: 'use' },
      links: { 201: { cancelUse: { operationId: 'cancelUse', parameters: { useId: '$response.body#/useId' } } } },
      schema: {
        operationId: 'use',
        summary: 'Use points, earliest-expiring lots first',
        tags: ['commands'],
        headers: IdempotencyHeaders,
        body: UseBody,
        response: { 201: UseReply, ...errors.use },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const useId = ledger.shards.newIdFor({ userId: b.userId });
      const r = await ledger.execute({
        idempotency: idempotencyOf(request),
        target: { userId: b.userId },
        build: () => ({ kind: 'use', userId: b.userId, useId, amount: b.amount, orderId: b.orderId ?? null, reason: b.reason ?? null }),
        respond: useAnswer(useId),
      });
      return send(reply, r);
    },
  );

  app.post<{ Params: { useId: string }; Body: CancelBody }>(
    '/v1/points/uses/:useId/cancellations',
    {
      config: { scope: 'points:write', command: 'cancel_use' },
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      schema: {
        operationId: 'cancelUse',
        'x-optional-body': true,
        summary: 'Cancel a use, in full or in part; points go back to their lots, latest-expiring first',
        tags: ['commands'],
        headers: IdempotencyHeaders,
        params: UseParams,
        body: CancelBody,
        response: { 201: CancelReply, ...errors.cancelUse },
      },
    },
    async (request, reply) => {
      const { useId } = request.params;
      const b = request.body;
      const cancellationId = ledger.shards.newIdFor({ id: useId });
      const r = await ledger.execute({
        idempotency: idempotencyOf(request),
        target: { useId },
        build: (w) => ({ kind: 'cancelUse', userId: w.userId, useId, cancellationId, amount: b.amount ?? null, reason: b.reason ?? null }),
        respond: cancellationAnswer(cancellationId),
      });
      return send(reply, r);
    },
  );

  app.post<{ Params: { grantId: string }; Body: RevokeBody }>(
    '/v1/points/grants/:grantId/revocations',
    {
      config: { scope: 'points:write', command: 'revoke' },
      schema: {
        operationId: 'revokeGrant',
        summary: 'Revoke what remains of a grant, or part of it (amount)',
        tags: ['commands'],
        headers: IdempotencyHeaders,
        params: GrantParams,
        body: RevokeBody,
        response: { 201: RevokeReply, ...errors.revoke },
      },
    },
    async (request, reply) => {
      const { grantId } = request.params;
      const r = await ledger.execute({
        idempotency: idempotencyOf(request),
        target: { grantId },
        build: (w) => ({ kind: 'revoke', userId: w.userId, grantId, reason: request.body.reason, amount: request.body.amount ?? null }),
        respond: revocationAnswer(grantId),
      });
      return send(reply, r);
    },
  );

  app.post<{ Params: { grantId: string }; Body: ActivateBody }>(
    '/v1/points/grants/:grantId/activations',
    {
      config: { scope: 'points:write', command: 'activate' },
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      schema: {
        operationId: 'activateGrant',
        'x-optional-body': true,
        summary: 'Activate a pending grant now (e.g. the purchase was confirmed early)',
        tags: ['commands'],
        headers: IdempotencyHeaders,
        params: GrantParams,
        body: ActivateBody,
        response: { 201: ActivateReply, ...errors.activate },
      },
    },
    async (request, reply) => {
      const { grantId } = request.params;
      const r = await ledger.execute({
        idempotency: idempotencyOf(request),
        target: { grantId },
        build: (w) => ({ kind: 'activate', userId: w.userId, grantId, reason: request.body.reason ?? null }),
        respond: activationAnswer(grantId),
      });
      return send(reply, r);
    },
  );

  app.post<{ Body: HoldBody }>(
    '/v1/points/holds',
    {
      config: { scope: 'points:write', command: 'hold' },
      links: {
        201: {
          captureHold: { operationId: 'captureHold', parameters: { holdId: '$response.body#/holdId' } },
          releaseHold: { operationId: 'releaseHold', parameters: { holdId: '$response.body#/holdId' } },
        },
      },
      schema: {
        operationId: 'hold',
        summary: 'Hold points at checkout: taken from the lots as a use would, kept aside until captured, released or lapsed',
        tags: ['commands'],
        headers: IdempotencyHeaders,
        body: HoldBody,
        response: { 201: HoldReply, ...errors.hold },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const holdId = ledger.shards.newIdFor({ userId: b.userId });
      const r = await ledger.execute({
        idempotency: idempotencyOf(request),
        target: { userId: b.userId },
        build: () => ({
          kind: 'hold',
          userId: b.userId,
          holdId,
          amount: b.amount,
          orderId: b.orderId ?? null,
          reason: b.reason ?? null,
          ttlSeconds: b.ttlSeconds ?? HOLD_TTL_SECONDS.default,
        }),
        respond: holdAnswer(holdId),
      });
      return send(reply, r);
    },
  );

  app.post<{ Params: { holdId: string }; Body: CaptureBody }>(
    '/v1/points/holds/:holdId/captures',
    {
      config: { scope: 'points:write', command: 'capture' },
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      links: { 201: { cancelUse: { operationId: 'cancelUse', parameters: { useId: '$response.body#/useId' } } } },
      schema: {
        operationId: 'captureHold',
        'x-optional-body': true,
        summary: 'Capture a hold: all of it or part of it becomes a use, the rest is released at once',
        tags: ['commands'],
        headers: IdempotencyHeaders,
        params: HoldParams,
        body: CaptureBody,
        response: { 201: CaptureReply, ...errors.capture },
      },
    },
    async (request, reply) => {
      const { holdId } = request.params;
      const useId = ledger.shards.newIdFor({ id: holdId });
      const r = await ledger.execute({
        idempotency: idempotencyOf(request),
        target: { holdId },
        build: (w) => ({ kind: 'capture', userId: w.userId, holdId, useId, amount: request.body.amount ?? null, reason: request.body.reason ?? null }),
        respond: captureAnswer(holdId),
      });
      return send(reply, r);
    },
  );

  app.post<{ Params: { holdId: string }; Body: ReleaseBody }>(
    '/v1/points/holds/:holdId/releases',
    {
      config: { scope: 'points:write', command: 'release' },
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      schema: {
        operationId: 'releaseHold',
        'x-optional-body': true,
        summary: 'Release a hold: its points go back to the lots they came from',
        tags: ['commands'],
        headers: IdempotencyHeaders,
        params: HoldParams,
        body: ReleaseBody,
        response: { 201: ReleaseReply, ...errors.release },
      },
    },
    async (request, reply) => {
      const { holdId } = request.params;
      const r = await ledger.execute({
        idempotency: idempotencyOf(request),
        target: { holdId },
        build: (w) => ({ kind: 'release', userId: w.userId, holdId, reason: request.body.reason ?? null }),
        respond: releaseAnswer(holdId),
      });
      return send(reply, r);
    },
  );

  app.post<{ Body: ExpireBody }>(
    '/v1/points/expirations',
    {
      config: { scope: 'admin', command: 'expire' },
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
      schema: {
        operationId: 'maintenanceRun',
        'x-optional-body': true,
        summary:
          'Maintenance run: activate due pending grants, release lapsed holds, expire lapsed lots of every user, delete idempotency records past their retention (safe to repeat)',
        tags: ['commands'],
        headers: IdempotencyHeaders,
        body: ExpireBody,
        response: { 200: ExpireReply, ...errors.expire },
      },
    },
    async (request, reply) => {
      const now = clock();
      const asOf = request.body.asOf !== undefined ? parseTime(request.body.asOf, 'body.asOf') : now;
      if (asOf > now) {
        throw new AppError('VALIDATION_FAILED', 'asOf cannot be in the future', [{ field: 'body.asOf', message: 'is in the future' }]);
      }
      const idem = idempotencyOf(request);
      const earlier = await ledger.lookup(idem);
      if (earlier) return send(reply, earlier);
      const result = await sweepExpired({ ...deps.sweep, log: (msg, data) => request.log.info(data, msg) }, asOf);
      // Retention counts from now, not from asOf (which only says what has lapsed).
      const purge = await purgeIdempotencyKeys(deps.sweep.shards.dbs, new Date(now - deps.idempotencyRetentionDays * DAY));
      request.log.info({ ...purge, retentionDays: deps.idempotencyRetentionDays }, 'maintenance run: idempotency records purged');
      return send(reply, await ledger.remember(idem, 200, { ...result, purgedIdempotencyKeys: purge.deleted }));
    },
  );
}
