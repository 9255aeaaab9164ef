/** One function per v1 route the console uses. */
import { apiRequest, query } from './client.ts';
import type {
  ActiveGrant, Balance, CancelBody, CancelReply, DailyRow, ExpiringRow, GrantBody, GrantReply, HistoryPage,
  PipelineHistory, PipelineStatus, RevokeBody, RevokeReply, TopUserRow, UseBody, UseReply,
} from './types.ts';

const user = (userId: string) => `/v1/users/${encodeURIComponent(userId)}`;

export const getBalance = (userId: string, opts: { minSeq?: number; waitMs?: number; signal?: AbortSignal } = {}) =>
  apiRequest<Balance>(`${user(userId)}/balance${query({ minSeq: opts.minSeq, waitMs: opts.waitMs })}`, { signal: opts.signal });

export const getHistory = (userId: string, opts: { limit?: number; beforeSeq?: number; signal?: AbortSignal } = {}) =>
  apiRequest<HistoryPage>(`${user(userId)}/history${query({ limit: opts.limit, beforeSeq: opts.beforeSeq })}`, { signal: opts.signal });

export const getGrants = (userId: string, signal?: AbortSignal) => apiRequest<ActiveGrant[]>(`${user(userId)}/grants`, { signal });

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
    path: `/v1/points/uses/${encodeURIComponent(useId)}/cancellations`, body,
  }),
  revoke: (grantId: string, body: RevokeBody): Command<RevokeReply> => ({
    path: `/v1/points/grants/${encodeURIComponent(grantId)}/revocations`, body,
  }),
};

export const sendCommand = <R>(command: Command<R>, idempotencyKey: string) =>
  apiRequest<R>(command.path, { method: 'POST', body: command.body, idempotencyKey });

export const getDaily = (from: string, to: string, signal?: AbortSignal) =>
  apiRequest<DailyRow[]>(`/v1/analytics/daily${query({ from, to })}`, { signal });

export const getExpiring = (days: number, signal?: AbortSignal) =>
  apiRequest<ExpiringRow[]>(`/v1/analytics/expiring${query({ days })}`, { signal });

export const getTopUsers = (by: 'earned' | 'spent', from: string, to: string, limit: number, signal?: AbortSignal) =>
  apiRequest<TopUserRow[]>(`/v1/analytics/top-users${query({ by, from, to, limit })}`, { signal });

export const getPipelineStatus = (signal?: AbortSignal) => apiRequest<PipelineStatus>('/v1/pipeline/status', { signal });

export const getPipelineHistory = (signal?: AbortSignal) => apiRequest<PipelineHistory>('/v1/pipeline/history', { signal });
