/** The key in sessionStorage, as React state. */
import { useSyncExternalStore } from 'react';
import { getApiKey, subscribeApiKey } from '../api/key.ts';

export const useApiKey = () => useSyncExternalStore(subscribeApiKey, getApiKey);
