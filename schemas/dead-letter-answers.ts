/**
 * The answers of the dead letters (API.md "Operations", scope admin):
 * GET /v1/pipeline/dead-letters and POST /v1/pipeline/dead-letters/redrive. Declared once
 * (TypeBox), as http-answers.ts declares the others: the routes use them as response
 * schemas (OpenAPI, serialisation); the projector that redrives writes a RedriveAnswer
 * into Redis and the API answers it as it is (common/src/redrive-queue.ts), so the shape
 * is the contract between the two as well. docs/dead-letters.md says what each count means.
 */
import { Type, type Static } from '@sinclair/typebox';

const Time = Type.String({ format: 'date-time', description: 'ISO-8601, UTC' });

/** The projectors a letter can come from and that a redrive can address. */
export const PROJECTOR_NAMES = ['redis', 'clickhouse'] as const;
export type ProjectorName = (typeof PROJECTOR_NAMES)[number];
export const ProjectorNameSchema = Type.Union(
  PROJECTOR_NAMES.map((p) => Type.Literal(p)),
  { description: 'redis or clickhouse' },
);

/** What the last redrive of a letter did (kept per projector and letter in Redis). */
export const LetterRedrive = Type.Object({
  at: Time,
  outcome: Type.Union([Type.Literal('applied'), Type.Literal('alreadyApplied'), Type.Literal('stillFailing')], {
    description:
      'applied: that redrive applied its event; alreadyApplied: the read model had its event already (the seq check skipped it); stillFailing: it still does not decode or apply (reason)',
  }),
  reason: Type.Optional(Type.String({ description: 'why it still fails (stillFailing only)' })),
  requestId: Type.String(),
});
export type LetterRedrive = Static<typeof LetterRedrive>;

/** One dead letter. */
export const DeadLetterItem = Type.Object({
  projector: Type.String({ description: 'the projector that could not apply it (header dlq.projector; "unknown" without one)' }),
  partition: Type.Integer({ description: 'its partition of points.events (header dlq.partition; -1 without one)' }),
  offset: Type.Integer({ description: 'its offset in that partition of points.events (header dlq.offset; -1 without one)' }),
  key: Type.Union([Type.String(), Type.Null()], { description: "the message's key (the userId), null without one" }),
  reason: Type.String({ description: 'why the projector dead-lettered it (header dlq.reason)' }),
  at: Type.Union([Type.String(), Type.Null()], { description: 'when it was dead-lettered (header dlq.at, ISO-8601)' }),
  payloadBase64: Type.String({ description: "the message's value as it was on points.events, base64 (empty for no value)" }),
  dlqPartition: Type.Integer({ description: 'where the letter itself is in the dead-letter topic: partition' }),
  dlqOffset: Type.Integer({ description: 'and offset' }),
  redrive: Type.Optional(LetterRedrive),
});
export type DeadLetterItem = Static<typeof DeadLetterItem>;

/** GET /v1/pipeline/dead-letters. */
export const DeadLetterPage = Type.Object({
  items: Type.Array(DeadLetterItem, { description: 'oldest first: by dead-letter partition, then offset' }),
  nextCursor: Type.Union([Type.String({ description: 'opaque: pass it as cursor for the next page' }), Type.Null()], {
    description: 'null on the last page',
  }),
});
export type DeadLetterPage = Static<typeof DeadLetterPage>;

/** POST /v1/pipeline/dead-letters/redrive, the body. */
export const RedriveBody = Type.Object(
  {
    projector: ProjectorNameSchema,
    includeRedriven: Type.Optional(
      Type.Boolean({
        description:
          'also give again the letters an earlier redrive applied (or found applied): after a rebuild of the read model; the seq check still applies each event at most once. Default false',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RedriveBody = Static<typeof RedriveBody>;

const LetterRef = Type.Object({
  dlqPartition: Type.Integer(),
  dlqOffset: Type.Integer(),
  key: Type.Union([Type.String(), Type.Null()]),
  partition: Type.Integer({ description: 'on points.events, -1 when unknown' }),
  offset: Type.Integer({ description: 'on points.events, -1 when unknown' }),
});

/** POST /v1/pipeline/dead-letters/redrive, the answer (200). */
export const RedriveAnswer = Type.Object({
  redriven: Type.Integer({ description: "the projector's letters given to it again by this request: applied + alreadyApplied + stillFailing" }),
  applied: Type.Integer({ description: 'letters whose event this request applied to the read model' }),
  stillFailing: Type.Integer({ description: 'letters that still do not decode or apply (a gap in the seq counts here); they stay listed' }),
  alreadyApplied: Type.Integer({ description: 'letters whose event the read model already had (skipped by the seq check, never applied twice)' }),
  skipped: Type.Integer({ description: 'letters not given again because an earlier redrive applied them or found them applied (see includeRedriven)' }),
  requestId: Type.String(),
  projector: ProjectorNameSchema,
  instance: Type.String({ description: 'the projector instance that did it' }),
  startedAt: Time,
  tookMs: Type.Integer(),
  appliedLetters: Type.Array(LetterRef, { description: 'the letters applied by this request (the first 100)' }),
  failures: Type.Array(Type.Object({ ...LetterRef.properties, reason: Type.String() }), {
    description: 'the letters still failing, with why (the first 100)',
  }),
});
export type RedriveAnswer = Static<typeof RedriveAnswer>;
