/// <reference types="@fastify/swagger" />
/**
 * Grant batches (API.md "Operations", docs/grant-batches.md): POST a CSV or JSON list of
 * grants, every row validated before anything is written, then run in the background
 * by the API instances' workers (batches/worker.ts, ADR 0014); GET follows it.
 *
 * The routes sit in a plugin of their own: only here is a body up to 10 MiB, and CSV
 * (text/csv), accepted; every other route keeps the app's 16 KiB of JSON.
 */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Registry } from 'prom-client';
import type { StackConfig } from '../../../common/src/config.ts';
import type { Shards } from '../../../common/src/mysql.ts';
import { idOnShard } from '../../../common/src/shards.ts';
import { BatchAccepted, BatchStatus } from '../../../schemas/batch-answers.ts';
import { AppError } from '../http/app-error.ts';
import { requestHash } from '../http/idempotency.ts';
import { COMMAND_ERRORS, errorResponses, GrantBody, Id, IdempotencyHeaders, SCOPED_ERRORS } from '../http/schemas.ts';
import { validatorCompiler } from '../http/validation.ts';
import type { Idempotency, Ledger } from '../ledger/ledger.ts';
import { batchStatus, createBatch } from '../batches/batch-store.ts';
import { BATCH_HEADER, MAX_BODY_BYTES, MAX_ROWS, parseCsv, parseJson, type RowProblem } from '../batches/parse-rows.ts';
import { REF_PATTERN, validateRows } from '../batches/validate-rows.ts';
import { GrantBatchWorker } from '../batches/worker.ts';

export interface GrantBatchDeps {
  config: StackConfig;
  shards: Shards;
  ledger: Ledger;
  metrics: Registry;
  clock: () => number;
  /** false: the routes only (a batch is accepted and followed; other instances run it). */
  runWorker: boolean;
}

const BatchItem = Type.Object(
  {
    ref: Type.String({ pattern: REF_PATTERN.source, description: "the row's name, unique in the batch: its grant is idempotent by (batchId, ref)" }),
    ...GrantBody.properties,
  },
  { additionalProperties: false },
);
const BatchJson = Type.Object({ items: Type.Array(BatchItem, { minItems: 1, maxItems: MAX_ROWS }) }, { additionalProperties: false });
const BatchCsv = Type.String({
  description: `the header ${BATCH_HEADER}, then one grant per row (RFC 4180 quoting); an empty cell is a field left out`,
});
const BatchParams = Type.Object({ batchId: Id });

const errors = {
  post: errorResponses(COMMAND_ERRORS, ['IDEMPOTENCY_KEY_REUSED']),
  get: errorResponses([400, ...SCOPED_ERRORS, 404, 503]),
};

function idempotencyOf(request: FastifyRequest): Idempotency {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') throw new Error('Idempotency-Key was validated as a string');
  return { client: request.apiKey!.name, key, requestHash: requestHash(request.method, request.url.split('?')[0]!, request.body) };
}

/** 400 naming every bad row (up to PROBLEMS_LISTED entries) by ref and line; the message says how many and shows the first. */
function refused(problems: RowProblem[], badRows: number, total: number): AppError {
  const first = problems
    .slice(0, 3)
    .map((p) => `line ${p.line}${p.ref === null ? '' : ` (ref ${p.ref})`}: ${p.field} ${p.message}`)
    .join('; ');
  const what = total > 0 ? `${badRows} of ${total} rows are not valid grants` : 'the batch cannot be read';
  return new AppError(
    'VALIDATION_FAILED',
    `${what}; nothing was written: ${first}${problems.length > 3 ? '; …' : ''}`,
    problems.map((p) => ({ field: p.field, message: p.message, ref: p.ref, line: p.line })),
  );
}

const isCsv = (request: FastifyRequest) => /^text\/csv\b/i.test(request.headers['content-type'] ?? '');

// The worker of each app, by its server (shared by the app and its plugins): for tests and introspection.
const workers = new WeakMap<object, GrantBatchWorker>();

/** The grant batch worker an app runs (its id is what claimed_by and run_by hold). */
export function grantBatchWorkerOf(app: FastifyInstance): GrantBatchWorker | undefined {
  return workers.get(app.server);
}

export async function grantBatchRoutes(app: FastifyInstance, deps: GrantBatchDeps): Promise<void> {
  const { shards, clock } = deps;
  const worker = new GrantBatchWorker({
    shards,
    ledger: deps.ledger,
    settings: deps.runWorker ? deps.config.api.grantBatches : { ...deps.config.api.grantBatches, concurrency: 0 },
    instance: deps.config.instance,
    log: app.log,
    metrics: deps.metrics,
    clock,
  });
  workers.set(app.server, worker);
  app.addHook('onReady', async () => worker.start());
  app.addHook('onClose', async () => worker.stop());

  await app.register(async (batches) => {
    // CSV arrives as text; JSON keeps the app's parser (both up to the route's bodyLimit).
    batches.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    // Past the app's error handler, the two refusals whose words are this route's own.
    batches.setErrorHandler((error: FastifyError) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new AppError('PAYLOAD_TOO_LARGE', 'the body is larger than 10 MiB');
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'the body must be CSV (Content-Type: text/csv) or JSON (application/json)');
      }
      throw error;
    });

    batches.post(
      '/v1/points/grant-batches',
      {
        bodyLimit: MAX_BODY_BYTES,
        config: { scope: 'admin', command: 'grant_batch' },
        // The body's rows are validated one by one (validate-rows.ts), each with the grant's own schema,
        // so that the answer names every bad row; the schema below is the OpenAPI document's.
        validatorCompiler: (def) => (def.httpPart === 'body' ? () => true : validatorCompiler(def)),
        links: { 202: { grantBatchStatus: { operationId: 'grantBatchStatus', parameters: { batchId: '$response.body#/batchId' } } } },
        schema: {
          operationId: 'grantBatch',
          summary: `Grant in bulk: up to ${MAX_ROWS} grants (10 MiB) as CSV or JSON, every row validated first, then run in the background`,
          tags: ['commands'],
          headers: IdempotencyHeaders,
          body: { content: { 'text/csv': { schema: BatchCsv }, 'application/json': { schema: BatchJson } } },
          response: { 202: BatchAccepted, ...errors.post },
        },
      },
      async (request, reply) => {
        const parsed = isCsv(request) ? await parseCsv(String(request.body ?? '')) : parseJson(request.body);
        if (!parsed.ok) throw refused(parsed.problems, parsed.problems.length, 0);
        const checked = await validateRows(parsed.rows, clock());
        if (!checked.ok) throw refused(checked.problems, checked.badRows, parsed.rows.length);
        const idempotency = idempotencyOf(request);
        // The batch lives on its key's shard (ADR 0014): a retry finds it there, whatever users it names.
        const shard = shards.ofKey(idempotency.client, idempotency.key);
        const created = await createBatch(
          shards.db(shard),
          shards.count > 1,
          { batchId: idOnShard(shard), idempotency, rows: checked.rows },
          new Date(clock()),
        );
        if (created.replayed) reply.header('idempotent-replayed', 'true');
        else {
          request.log.info({ batchId: created.answer.batchId, total: created.answer.total }, 'grant batch accepted');
          worker.nudge();
        }
        return reply.code(202).send(created.answer);
      },
    );

    batches.get<{ Params: { batchId: string } }>(
      '/v1/points/grant-batches/:batchId',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'grantBatchStatus',
          summary: 'A grant batch: its state, counts, and the rows whose grant was refused',
          tags: ['commands'],
          params: BatchParams,
          response: { 200: BatchStatus, ...errors.get },
        },
      },
      async (request) => {
        const { batchId } = request.params;
        const shard = shards.ofId(batchId);
        const status = shard === undefined ? undefined : await batchStatus(shards.db(shard), batchId);
        if (!status) throw new AppError('NOT_FOUND', `grant batch ${batchId} does not exist`, { batchId });
        return status;
      },
    );
  });
}
