/**
 * Shared hooks of the component tests: a clean DOM, storage and fetch for each
 * test, an admin key in sessionStorage, and no console errors or warnings allowed.
 */
import { cleanup } from '@testing-library/react';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { clearApiKey, setApiKey } from '../api/key.ts';

export const TEST_KEY = 'test-admin-key-0123456789';

export function useComponentTestEnvironment({ withKey = true } = {}) {
  let errors: ReturnType<typeof vi.spyOn>;
  let warnings: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    window.sessionStorage.clear();
    window.localStorage.clear();
    window.location.hash = '';
    if (withKey) setApiKey(TEST_KEY);
    errors = vi.spyOn(console, 'error');
    warnings = vi.spyOn(console, 'warn');
  });
  afterEach(() => {
    cleanup();
    clearApiKey();
    vi.unstubAllGlobals();
    expect(errors, 'console.error was called').not.toHaveBeenCalled();
    expect(warnings, 'console.warn was called').not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });
}
