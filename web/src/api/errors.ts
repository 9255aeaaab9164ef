/**
 * API errors in words: every code of API.md gets a sentence an operator can act on;
 * the API's own message is shown next to it. NETWORK is ours: fetch itself failed.
 */

export const API_ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'INSUFFICIENT_POINTS',
  'IDEMPOTENCY_KEY_REUSED',
  'CANCEL_EXCEEDS_USE',
  'ALREADY_REVOKED',
  'NOT_PENDING',
  'REVOKE_EXCEEDS_REMAINING',
  'HOLD_NOT_ACTIVE',
  'CAPTURE_EXCEEDS_HOLD',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'PROJECTION_BEHIND',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
export type ErrorCode = ApiErrorCode | 'NETWORK' | 'UNEXPECTED_REPLY';

export const ERROR_WORDS: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'The API refused the request because a field is not valid.',
  UNAUTHORIZED: 'The API key was not accepted. Re-enter the admin key.',
  FORBIDDEN: 'This key is not allowed to do that. Re-enter a key with the admin scope.',
  NOT_FOUND: 'Not found: there is no such grant, use, hold or order (or the read model has not seen it yet).',
  INSUFFICIENT_POINTS: 'The customer does not have enough usable points for this.',
  IDEMPOTENCY_KEY_REUSED: 'This request key was already used for a different request; nothing was written. Submit again to send it as a new request.',
  CANCEL_EXCEEDS_USE: 'That is more than what is left of this use to cancel.',
  ALREADY_REVOKED: 'This grant has nothing left to revoke.',
  NOT_PENDING: 'This grant is not pending (any more): it is already usable, or was revoked.',
  REVOKE_EXCEEDS_REMAINING: 'That is more than what remains of this grant to revoke.',
  HOLD_NOT_ACTIVE: 'This hold is no longer active: it was captured, released or has lapsed.',
  CAPTURE_EXCEEDS_HOLD: 'That is more than the hold reserved.',
  PAYLOAD_TOO_LARGE: 'The request is too large (the limit is 16 KiB).',
  UNSUPPORTED_MEDIA_TYPE: 'The request was not sent as JSON.',
  RATE_LIMITED: 'Too many requests with this key right now. Wait a moment and try again.',
  PROJECTION_BEHIND: 'The read model has not caught up yet.',
  UNAVAILABLE: 'A service behind the API is down. Try again in a moment.',
  INTERNAL: 'The API failed unexpectedly. Try again; if it keeps failing, check the API log.',
  NETWORK: 'The API cannot be reached. Check that it is running.',
  UNEXPECTED_REPLY: 'The API answered with something the console does not understand.',
};

export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly status: number,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The request may be sent again unchanged with the same Idempotency-Key. */
  get retryable(): boolean {
    return this.code === 'NETWORK' || this.status === 503;
  }

  /** The key itself is the problem: the operator should enter another. */
  get isAuth(): boolean {
    return this.code === 'UNAUTHORIZED' || this.code === 'FORBIDDEN';
  }

  /** VALIDATION_FAILED details: `[{field: 'body.amount', message}]`. */
  get fieldProblems(): FieldProblem[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter((d): d is FieldProblem => typeof d === 'object' && d !== null && typeof d.field === 'string' && typeof d.message === 'string');
  }
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_WORDS, code);
}

/** The sentence for a code; unknown codes still get one. */
export function describeCode(code: string): string {
  return isErrorCode(code) ? ERROR_WORDS[code] : `The API refused the request (${code}).`;
}

/** Anything thrown, as an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  return new ApiError('UNEXPECTED_REPLY', e instanceof Error ? e.message : String(e), 0);
}
