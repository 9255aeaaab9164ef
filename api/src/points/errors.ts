/** Refusals of the domain, with the error codes of API.md. */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'INSUFFICIENT_POINTS'
  | 'CANCEL_EXCEEDS_USE'
  | 'ALREADY_REVOKED';

export class DomainError extends Error {
  constructor(
    public readonly code: DomainErrorCode,
    message: string,
    public readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
