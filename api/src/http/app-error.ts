// The codes and their statuses are the HTTP contract's (schemas/, shared with the console's tests).
import { ERROR_STATUS, type ErrorCode } from '../../../schemas/http-errors.ts';

export { ERROR_STATUS, type ErrorCode };

/** A refusal outside the domain (auth, idempotency, availability...). */
export class AppError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
