/**
 * The error codes of the HTTP API (API.md) with their HTTP status: part of the HTTP
 * contract, like http-answers.ts. The API answers with them (api/src/http/app-error.ts
 * takes them from here); the console's test checks it has words for every one.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INSUFFICIENT_POINTS: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  CANCEL_EXCEEDS_USE: 409,
  ALREADY_REVOKED: 409,
  // Additions (order lifecycle).
  NOT_PENDING: 409,
  REVOKE_EXCEEDS_REMAINING: 409,
  HOLD_NOT_ACTIVE: 409,
  CAPTURE_EXCEEDS_HOLD: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  PROJECTION_BEHIND: 504,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;
