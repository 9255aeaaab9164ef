/** The filters of GET /v1/admin/users, as the form holds them (text) and as the API reads them. */
import type { SearchParams } from '../../api/endpoints.ts';
import { toSearchParams } from '../search-params.ts';

export const USER_FILTERS = ['minBalance', 'maxBalance', 'expiringWithinDays', 'minExpiring', 'limit'] as const;
export type UserFilter = (typeof USER_FILTERS)[number];
export type UserFilterValues = Record<UserFilter, string>;

export const NO_USER_FILTERS: UserFilterValues = { minBalance: '', maxBalance: '', expiringWithinDays: '', minExpiring: '', limit: '50' };

export const userSearchParams = (values: UserFilterValues): SearchParams => toSearchParams(values);

/** The window `expiring` counts over: the filter's, or the API's default (30 days) when none is set. */
export const expiringWindow = (params: SearchParams): string => (params.expiringWithinDays ? `${params.expiringWithinDays} days` : '30 days');
