/** One function per v1 route the console uses. */
import { apiDownload, apiRequest, query } from './client.ts';
import type {
  ActivateBody,
  ActivateReply,
  ActiveGrant,
  AdminEvent,
  AdminUser,
  Balance,
  BatchAccepted,
  BatchStatus,
  CancelBody,
  CancelReply,
  CaptureBody,
  CaptureReply,
  CohortRow,
  CursorPage,
  DailyRow,
  DeadLetter,
  ExpiringRow,
  GrantAnswer,
  GrantBody,
  GrantReply,
  HistoryPage,
  HoldAnswer,
  HoldBody,
  HoldReply,
  LiabilityAnswer,
  OrderAnswer,
  PipelineHistory,
  PipelineStatus,
  ReleaseBody,
  RedriveReply,
  ReleaseReply,
  RevokeBody,
  RevokeReply,
  TopUserRow,
  UseAnswer,
  UseBody,
  UseReply,
} from './types.ts';

const user = (userId: string) => `/v1/users/${encodeURIComponent(userId)}`;

export const getBalance = (userId: string, opts: { minSeq?: number; waitMs?: number; signal?: AbortSignal } = {}) =>
  apiRequest<Balance>(`${user(userId)}/balance${query({ minSeq: opts.minSeq, waitMs: opts.waitMs })}`, { signal: opts.signal });

export const getHistory = (userId: string, opts: { limit?: number; beforeSeq?: number; signal?: AbortSignal } = {}) =>
  apiRequest<HistoryPage>(`${user(userId)}/history${query({ limit: opts.limit, beforeSeq: opts.beforeSeq })}`, { signal: opts.signal });

export const getGrants = (userId: string, signal?: AbortSignal) => apiRequest<ActiveGrant[]>(`${user(userId)}/grants`, { signal });

/** The user's active holds, earliest expiry first. */
export const getActiveHolds = (userId: string, signal?: AbortSignal) => apiRequest<HoldAnswer[]>(`${user(userId)}/holds`, { signal });

/** What a lookup finds by id. */
export type LookupKind = 'grant' | 'use' | 'hold' | 'order';

/**
 * A lookup of the read models. With `userId` and `minSeq` (the seq a command answered) the
 * API waits (up to `waitMs`) until the projection has that write, as the balance does.
 */
export interface LookupOptions {
  userId?: string;
  minSeq?: number;
  waitMs?: number;
  signal?: AbortSignal;
}

const lookup = <T>(path: string, o: LookupOptions) =>
  apiRequest<T>(
    `${path}${query({ userId: o.minSeq === undefined ? undefined : o.userId, minSeq: o.minSeq, waitMs: o.minSeq === undefined ? undefined : o.waitMs })}`,
    {
      signal: o.signal,
    },
  );

export const getGrant = (grantId: string, o: LookupOptions = {}) => lookup<GrantAnswer>(`/v1/grants/${encodeURIComponent(grantId)}`, o);
export const getUse = (useId: string, o: LookupOptions = {}) => lookup<UseAnswer>(`/v1/uses/${encodeURIComponent(useId)}`, o);
export const getHold = (holdId: string, o: LookupOptions = {}) => lookup<HoldAnswer>(`/v1/holds/${encodeURIComponent(holdId)}`, o);
export const getOrder = (orderId: string, o: LookupOptions = {}) => lookup<OrderAnswer>(`/v1/orders/${encodeURIComponent(orderId)}`, o);

/** A command: its path and body, sent with an Idempotency-Key. */
export interface Command<R> {
  path: string;
  body: object;
  /** Only for the type of the reply. */
  readonly reply?: R;
}

/** The command builders: path and body of each command. */
export const commands = {
  grant: (body: GrantBody): Command<GrantReply> => ({ path: '/v1/points/grants', body }),
  use: (body: UseBody): Command<UseReply> => ({ path: '/v1/points/uses', body }),
  cancelUse: (useId: string, body: CancelBody): Command<CancelReply> => ({
    path: `/v1/points/uses/${encodeURIComponent(useId)}/cancellations`,
    body,
  }),
  revoke: (grantId: string, body: RevokeBody): Command<RevokeReply> => ({
    path: `/v1/points/grants/${encodeURIComponent(grantId)}/revocations`,
    body,
  }),
  activate: (grantId: string, body: ActivateBody = {}): Command<ActivateReply> => ({
    path: `/v1/points/grants/${encodeURIComponent(grantId)}/activations`,
    body,
  }),
  hold: (body: HoldBody): Command<HoldReply> => ({ path: '/v1/points/holds', body }),
  capture: (holdId: string, body: CaptureBody): Command<CaptureReply> => ({
    path: `/v1/points/holds/${encodeURIComponent(holdId)}/captures`,
    body,
  }),
  release: (holdId: string, body: ReleaseBody = {}): Command<ReleaseReply> => ({
    path: `/v1/points/holds/${encodeURIComponent(holdId)}/releases`,
    body,
  }),
};

export const sendCommand = <R>(command: Command<R>, idempotencyKey: string) =>
  apiRequest<R>(command.path, { method: 'POST', body: command.body, idempotencyKey });

export const getDaily = (from: string, to: string, signal?: AbortSignal) => apiRequest<DailyRow[]>(`/v1/analytics/daily${query({ from, to })}`, { signal });

export const getExpiring = (days: number, signal?: AbortSignal) => apiRequest<ExpiringRow[]>(`/v1/analytics/expiring${query({ days })}`, { signal });

export const getTopUsers = (by: 'earned' | 'spent', from: string, to: string, limit: number, signal?: AbortSignal) =>
  apiRequest<TopUserRow[]>(`/v1/analytics/top-users${query({ by, from, to, limit })}`, { signal });

export const getPipelineStatus = (signal?: AbortSignal) => apiRequest<PipelineStatus>('/v1/pipeline/status', { signal });

export const getPipelineHistory = (signal?: AbortSignal) => apiRequest<PipelineHistory>('/v1/pipeline/history', { signal });

// Operations (API.md "Operations", scope admin; the batches take points:write).

/** Query parameters of a search: the filters that are set, as the API reads them. */
export type SearchParams = Record<string, string | undefined>;

export const searchEvents = (filters: SearchParams, cursor: string | undefined, signal?: AbortSignal) =>
  apiRequest<CursorPage<AdminEvent>>(`/v1/admin/events${query({ ...filters, cursor })}`, { signal });

export const searchUsers = (filters: SearchParams, cursor: string | undefined, signal?: AbortSignal) =>
  apiRequest<CursorPage<AdminUser>>(`/v1/admin/users${query({ ...filters, cursor })}`, { signal });

/** Every match of a search as CSV (`format=csv`: no limit, no cursor). */
export const downloadCsv = (path: '/v1/admin/events' | '/v1/admin/users', filters: SearchParams, signal?: AbortSignal) =>
  apiDownload(`${path}${query({ ...filters, format: 'csv' })}`, 'text/csv', signal);

/** A batch of grants as CSV, with the upload's Idempotency-Key. */
export const postGrantBatch = (csv: string | Blob, idempotencyKey: string) =>
  apiRequest<BatchAccepted>('/v1/points/grant-batches', { method: 'POST', raw: { contentType: 'text/csv', data: csv }, idempotencyKey });

export const getGrantBatch = (batchId: string, signal?: AbortSignal) =>
  apiRequest<BatchStatus>(`/v1/points/grant-batches/${encodeURIComponent(batchId)}`, { signal });

export const getLiability = (asOf: string, signal?: AbortSignal) => apiRequest<LiabilityAnswer>(`/v1/analytics/liability${query({ asOf })}`, { signal });

export const getCohorts = (from: string, to: string, signal?: AbortSignal) =>
  apiRequest<CohortRow[]>(`/v1/analytics/cohorts${query({ from, to })}`, { signal });

/** The dead letters, oldest first; `projector` and `key` (the message's user) narrow them. */
export const getDeadLetters = (opts: { limit?: number; cursor?: string; projector?: string; key?: string; signal?: AbortSignal } = {}) =>
  apiRequest<CursorPage<DeadLetter>>(
    `/v1/pipeline/dead-letters${query({ limit: opts.limit, cursor: opts.cursor, projector: opts.projector, key: opts.key })}`,
    { signal: opts.signal },
  );

export const redriveDeadLetters = (projector: string) => apiRequest<RedriveReply>('/v1/pipeline/dead-letters/redrive', { method: 'POST', body: { projector } });
