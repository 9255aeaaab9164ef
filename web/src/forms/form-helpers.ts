/** What every command form shares: API field problems on the right field, focus on the first error. */
import type { ApiError } from '../api/errors.ts';
import type { UseBody } from '../api/types.ts';
import type { CommandState } from '../hooks/useCommand.ts';

/** `body.amount` / `params.useId` of a VALIDATION_FAILED answer → the form's own field names. */
export function apiFieldErrors<K extends string>(state: CommandState<unknown>, fields: readonly K[]): Partial<Record<K, string>> {
  if (state.status !== 'failed') return {};
  return fieldErrorsOf(state.error, fields);
}

export function fieldErrorsOf<K extends string>(error: ApiError, fields: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const p of error.fieldProblems) {
    const name = p.field.split('.').pop() as K;
    if (fields.includes(name) && !out[name]) out[name] = `The API says: ${p.message}`;
  }
  return out;
}

/** After a refused submit: move focus to the first field marked invalid. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  requestAnimationFrame(() => {
    const el = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    el?.focus();
  });
}

/** Optional text fields: trimmed, and left out when empty. */
export const optional = (s: string) => (s.trim() === '' ? undefined : s.trim());

/** What a use and a hold send alike: the user, whole points, and the order id and reason when given. */
export function userPointsBody(userId: string, amount: string, orderId: string, reason: string): UseBody {
  const body: UseBody = { userId, amount: Number(amount.trim()) };
  const o = optional(orderId);
  const r = optional(reason);
  if (o) body.orderId = o;
  if (r) body.reason = r;
  return body;
}
