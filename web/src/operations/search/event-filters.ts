/** The filters of GET /v1/admin/events, as the form holds them (text) and as the API reads them. */
import type { SearchParams } from '../../api/endpoints.ts';
import { EVENT_LABELS } from '../../format.ts';
import { type FieldKind, toSearchParams } from '../search-params.ts';

export const EVENT_FILTERS = [
  'userId',
  'type',
  'orderId',
  'grantId',
  'useId',
  'holdId',
  'source',
  'reasonContains',
  'from',
  'to',
  'minAmount',
  'maxAmount',
  'limit',
] as const;
export type EventFilter = (typeof EVENT_FILTERS)[number];
export type EventFilterValues = Record<EventFilter, string>;

export const PAGE_SIZES = ['25', '50', '100', '500'];

export const NO_EVENT_FILTERS: EventFilterValues = {
  userId: '',
  type: '',
  orderId: '',
  grantId: '',
  useId: '',
  holdId: '',
  source: '',
  reasonContains: '',
  from: '',
  to: '',
  minAmount: '',
  maxAmount: '',
  limit: '50',
};

/** Every event type the ledger writes, for the type select. */
export const EVENT_TYPES = Object.keys(EVENT_LABELS);

const KINDS: Partial<Record<EventFilter, FieldKind>> = { from: 'fromMinute', to: 'toMinute' };

export const eventSearchParams = (values: EventFilterValues): SearchParams => toSearchParams(values, KINDS);
