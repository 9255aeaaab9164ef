/**
 * The admin key the operator typed in: kept in sessionStorage only (gone when the
 * tab closes, never in localStorage, never in the build). Subscribers hear changes.
 */
const STORAGE_KEY = 'ledger-console.api-key';
const listeners = new Set<() => void>();

export function getApiKey(): string | null {
  try {
    const v = window.sessionStorage.getItem(STORAGE_KEY);
    return v ? v : null;
  } catch {
    return null;
  }
}

export function setApiKey(key: string): void {
  window.sessionStorage.setItem(STORAGE_KEY, key.trim());
  for (const l of listeners) l();
}

export function clearApiKey(): void {
  window.sessionStorage.removeItem(STORAGE_KEY);
  for (const l of listeners) l();
}

export function subscribeApiKey(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export { STORAGE_KEY as API_KEY_STORAGE_KEY };
