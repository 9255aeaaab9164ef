/** Refusals of the domain, with the error codes of API.md. */
export type DomainErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'INSUFFICIENT_POINTS'
  | 'CANCEL_EXCEEDS_USE'
  | 'ALREADY_REVOKED'
  // Additions (order lifecycle).
  | 'NOT_PENDING'
  | 'REVOKE_EXCEEDS_REMAINING'
  | 'HOLD_NOT_ACTIVE'
  | 'CAPTURE_EXCEEDS_HOLD';

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
