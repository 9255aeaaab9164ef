/**
 * One item of GET /v1/users/{userId}/history, the same from Redis (recent events) and
 * from ClickHouse (older ones): the event's own fields, null ones left out.
 */
import type { PointEvent } from '../../schemas/point-event.ts';
import { isoText } from './utc-text.ts';

export type { HistoryItem } from '../../schemas/http-answers.ts';
import type { HistoryItem } from '../../schemas/http-answers.ts';

export type HistorySource = Pick<
  PointEvent,
  'eventId' | 'seq' | 'type' | 'amount' | 'balanceAfter' | 'occurredAt' | 'grantId' | 'useId' | 'cancellationId' | 'orderId' | 'reason'
>;

export function historyItem(e: HistorySource): HistoryItem {
  const item: HistoryItem = {
    eventId: e.eventId,
    seq: e.seq,
    type: e.type,
    amount: e.amount,
    balanceAfter: e.balanceAfter,
    occurredAt: isoText(e.occurredAt),
  };
  if (e.grantId !== null) item.grantId = e.grantId;
  if (e.useId !== null) item.useId = e.useId;
  if (e.cancellationId !== null) item.cancellationId = e.cancellationId;
  if (e.orderId !== null) item.orderId = e.orderId;
  if (e.reason !== null) item.reason = e.reason;
  return item;
}
