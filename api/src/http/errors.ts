/**
 * One error handler (STYLE.md §3): domain and application errors get their API.md
 * code, validation errors name the field, and nothing of a 5xx leaks but its code.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../points/errors.ts';
import { LedgerError } from '../ledger/ledger-error.ts';
import { AppError, ERROR_STATUS, type ErrorCode } from './app-error.ts';
import { fieldProblems } from './validation.ts';

export interface ErrorReply {
  status: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_QUERY_INTERRUPTED',
]);

function isUnavailable(e: { code?: string; name?: string }): boolean {
  return (!!e.code && UNAVAILABLE_CODES.has(e.code)) || e.name === 'KnexTimeoutError';
}

export function toErrorReply(error: unknown): ErrorReply {
  if (error instanceof DomainError && error.code === 'VALIDATION_FAILED') {
    // The domain names a field of the command; clients get the same shape as schema errors.
    const d = (error.details ?? {}) as { field?: string; value?: unknown };
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: error.message,
      details: [{ field: `body.${d.field ?? 'body'}`, message: error.message, ...(d.value === undefined ? {} : { value: d.value }) }],
    };
  }
  if (error instanceof DomainError || error instanceof LedgerError || error instanceof AppError) {
    return { status: ERROR_STATUS[error.code], code: error.code, message: error.message, details: error.details };
  }
  const e = error as FastifyError & { validation?: Parameters<typeof fieldProblems>[0]; validationContext?: string };
  if (e.validation) {
    const details = fieldProblems(e.validation, e.validationContext ?? 'body');
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: details.map((d) => `${d.field} ${d.message}`).join('; '),
      details,
    };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'the body is larger than 16 KiB' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the body must be JSON (Content-Type: application/json)' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'VALIDATION_FAILED', message: 'the body is empty', details: [{ field: 'body', message: 'is empty' }] };
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        code: 'VALIDATION_FAILED',
        message: 'the URL is not valid (a malformed %-escape?)',
        details: [{ field: 'url', message: 'is not a valid URL' }],
      };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 400, code: 'VALIDATION_FAILED', message: 'a path parameter is too long', details: [{ field: 'params', message: 'is too long' }] };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        code: 'VALIDATION_FAILED',
        message: 'Content-Length does not match the body',
        details: [{ field: 'headers.content-length', message: 'does not match the body' }],
      };
  }
  if (e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { status: 400, code: 'VALIDATION_FAILED', message: 'the body is not valid JSON', details: [{ field: 'body', message: 'is not valid JSON' }] };
  }
  if (isUnavailable(e)) {
    return { status: 503, code: 'UNAVAILABLE', message: 'the database is not available; try again' };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: 400, code: 'VALIDATION_FAILED', message: e.message, details: [{ field: 'request', message: e.message }] };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

export function sendError(reply: FastifyReply, r: ErrorReply): FastifyReply {
  const error: Record<string, unknown> = { code: r.code, message: r.message };
  if (r.details !== undefined) error.details = r.details;
  // VALIDATION_FAILED always names its fields (the routes' 400 schema requires the list).
  if (r.code === 'VALIDATION_FAILED' && !Array.isArray(r.details)) error.details = [{ field: 'request', message: r.message }];
  return reply.code(r.status).type('application/json').send({ error });
}

/**
 * For Fastify's `frameworkErrors` option: errors found while routing (a malformed
 * %-escape, an over-long path parameter) never reach setErrorHandler, so they are
 * answered here, in the same envelope.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const r = toErrorReply(error);
  request.log.info({ code: r.code, msg: error.message }, 'request refused while routing');
  void sendError(reply, r);
}

export function registerErrorHandling(app: FastifyInstance): void {
  // Once the API is closing (app.close(), SIGTERM), a request that still reaches a route
  // with a scope is answered 503 UNAVAILABLE in the envelope (Fastify's own 503 is off,
  // app.ts). Public routes (health, docs) answer as they can.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request) => {
    if (closing && request.routeOptions.config?.scope) throw new AppError('UNAVAILABLE', 'the API is shutting down; try again');
  });
  app.setErrorHandler((error, request: FastifyRequest, reply) => {
    const r = toErrorReply(error);
    request.errorCode = r.code;
    if (r.status >= 500) request.log.error({ err: error, code: r.code }, 'request failed');
    else request.log.info({ code: r.code, msg: r.message }, 'request refused');
    if (r.code === 'RATE_LIMITED' && error instanceof AppError) {
      const retry = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retry) reply.header('retry-after', String(retry));
    }
    return sendError(reply, r);
  });
  app.setNotFoundHandler((request, reply) => {
    request.errorCode = 'NOT_FOUND';
    return sendError(reply, { status: 404, code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
