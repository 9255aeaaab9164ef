/**
 * The answers of the grant batches (API.md "Operations": POST /v1/points/grant-batches,
 * GET /v1/points/grant-batches/{batchId}), declared once (TypeBox) as http-answers.ts
 * declares the others: the routes use them as response schemas (OpenAPI, serialisation),
 * the console imports the types. A change here is a change of the HTTP contract.
 */
import { Type, type Static } from '@sinclair/typebox';

/** How many failed rows the status lists (the first ones, by line); `failed` counts them all. */
export const BATCH_ERRORS_SHOWN = 1000;

export const BatchAccepted = Type.Object({
  batchId: Type.String({ description: 'the batch, to follow with GET /v1/points/grant-batches/{batchId}' }),
  total: Type.Integer({ minimum: 1, description: 'rows in the batch: one grant each' }),
});
export type BatchAccepted = Static<typeof BatchAccepted>;

export const BatchRowError = Type.Object({
  ref: Type.String({ description: "the row's ref" }),
  code: Type.String({ description: 'the code the grant was refused with (API.md), e.g. VALIDATION_FAILED' }),
  message: Type.String(),
});
export type BatchRowError = Static<typeof BatchRowError>;

export const BatchStatus = Type.Object({
  batchId: Type.String(),
  state: Type.Union([Type.Literal('RUNNING'), Type.Literal('DONE')], { description: 'DONE once every row is done or failed' }),
  total: Type.Integer({ minimum: 1 }),
  done: Type.Integer({ minimum: 0, description: 'rows granted' }),
  failed: Type.Integer({ minimum: 0, description: 'rows whose grant was refused (listed in errors)' }),
  errors: Type.Array(BatchRowError, { description: `the failed rows, in line order, the first ${BATCH_ERRORS_SHOWN} of them` }),
  // Additions to API.md's answer (always sent; optional for clients that know only the contract's fields).
  createdAt: Type.Optional(Type.String({ format: 'date-time', description: 'when the batch was accepted' })),
  updatedAt: Type.Optional(Type.String({ format: 'date-time', description: 'the last change of its counts or state' })),
});
export type BatchStatus = Static<typeof BatchStatus>;
