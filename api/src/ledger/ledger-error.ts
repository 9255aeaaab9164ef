/** Refusals of the ledger itself (not of the domain's rules); http/errors.ts maps them to API.md's codes. */
export type LedgerErrorCode = 'IDEMPOTENCY_KEY_REUSED';

export class LedgerError extends Error {
  constructor(
    public readonly code: LedgerErrorCode,
    message: string,
    public readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}
