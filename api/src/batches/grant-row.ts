/**
 * A grant as POST /v1/points/grants takes it, past its schema (GrantBody): the rules the
 * route adds (expiresAt or validDays, not both; times JavaScript can read), and the
 * ledger command it becomes (validDays counts from availableAt, else from now; 365 days
 * by default). A batch row is a grant body too: it is checked and run with these.
 * The grant route (routes/commands.ts) uses the same two functions.
 */
import { AppError } from '../http/app-error.ts';
import type { GrantBody } from '../http/schemas.ts';
import type { Command } from '../points/types.ts';

const DAY = 24 * 3600 * 1000;

export type GrantCommand = Extract<Command, { kind: 'grant' }>;

/** A grant's fields with its times as epoch ms: what a batch row stores. */
export interface GrantFields {
  userId: string;
  amount: number;
  expiresAt: number | null;
  validDays: number | null;
  availableAt: number | null;
  reason: string;
  source: string | null;
  orderId: string | null;
}

/** An ISO time the schema accepted, as epoch ms; refuses what JavaScript cannot read (e.g. leap seconds). */
export function parseTime(value: string, field: string): number {
  const t = Date.parse(value);
  if (!Number.isFinite(t)) {
    throw new AppError('VALIDATION_FAILED', `${field} is not a time the ledger can use`, [{ field, message: 'is not a usable time' }]);
  }
  return t;
}

/** The fields of a grant body the schema accepted, or VALIDATION_FAILED naming the field (body.<name>). */
export function grantFieldsOf(b: GrantBody): GrantFields {
  if (b.expiresAt !== undefined && b.validDays !== undefined) {
    throw new AppError('VALIDATION_FAILED', 'give expiresAt or validDays, not both', [{ field: 'body.validDays', message: 'cannot be given with expiresAt' }]);
  }
  return {
    userId: b.userId,
    amount: b.amount,
    expiresAt: b.expiresAt !== undefined ? parseTime(b.expiresAt, 'body.expiresAt') : null,
    validDays: b.validDays ?? null,
    availableAt: b.availableAt !== undefined ? parseTime(b.availableAt, 'body.availableAt') : null,
    reason: b.reason,
    source: b.source ?? null,
    orderId: b.orderId ?? null,
  };
}

/** The ledger's grant command at `now`: validDays (default 365) counts from when the points become usable. */
export function grantCommandOf(f: GrantFields, grantId: string, now: number): GrantCommand {
  return {
    kind: 'grant',
    userId: f.userId,
    grantId,
    amount: f.amount,
    reason: f.reason,
    source: f.source,
    orderId: f.orderId,
    availableAt: f.availableAt,
    expiresAt: f.expiresAt ?? (f.availableAt ?? now) + (f.validDays ?? 365) * DAY,
  };
}
