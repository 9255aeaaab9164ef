// @vitest-environment jsdom
import { act, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { API_KEY_STORAGE_KEY } from './api/key.ts';
import { App } from './App.tsx';
import { emptyUser, json, mockFetch } from './test-support/fetch-mock.ts';
import { useComponentTestEnvironment } from './test-support/environment.ts';

const goTo = (hash: string) =>
  act(() => {
    window.location.hash = hash;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });

describe('App', () => {
  useComponentTestEnvironment({ withKey: false });

  it('asks for the key first, shows no pages and calls nothing without it', () => {
    const api = mockFetch(() => json(200, {}));
    render(<App />);
    expect(screen.getByRole('heading', { name: 'Enter the admin key' })).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Pages' })).toBeNull();
    expect(api.calls).toHaveLength(0);
  });

  it('refuses an empty key', async () => {
    render(<App />);
    await userEvent.setup().type(screen.getByLabelText('Admin API key'), '{Enter}');
    expect(screen.getByText('Enter the admin API key.')).toBeTruthy();
    expect(window.sessionStorage.length).toBe(0);
  });

  it('keeps the key in sessionStorage, never in localStorage, and sends it as Bearer', async () => {
    const api = mockFetch((c) => emptyUser(c) ?? json(200, {}));
    render(<App />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Admin API key'), 'secret-key-abcdef123456{Enter}');
    expect(window.sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBe('secret-key-abcdef123456');
    expect(window.localStorage.length).toBe(0);
    expect(screen.getByRole('navigation', { name: 'Pages' })).toBeTruthy();
    expect(screen.getByText('Key …3456')).toBeTruthy();

    goTo('#/customer/alice');
    await screen.findByText('No active grants.');
    expect(api.calls.every((c) => c.headers.authorization === 'Bearer secret-key-abcdef123456')).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Forget key' }));
    expect(window.sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull();
    expect(screen.getByRole('heading', { name: 'Enter the admin key' })).toBeTruthy();
  });

  it('routes by hash, with the nav as links that mark the current page', async () => {
    window.sessionStorage.setItem(API_KEY_STORAGE_KEY, 'k-0123456789abcdef');
    mockFetch(() => json(200, []));
    render(<App />);
    const links = screen.getAllByRole('link').filter((a) => a.closest('nav'));
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      '#/customer',
      '#/find',
      '#/analytics',
      '#/pipeline',
      '#/search',
      '#/users',
      '#/batches',
      '#/liability',
      '#/dead-letters',
    ]);
    expect(screen.getByRole('link', { name: 'Customers' }).getAttribute('aria-current')).toBe('page');

    goTo('#/analytics');
    expect(screen.getByRole('heading', { level: 1, name: 'Analytics' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Analytics' }).getAttribute('aria-current')).toBe('page');
    await screen.findAllByText(/No points|Nobody/);

    goTo('#/nowhere');
    expect(screen.getByRole('heading', { level: 1, name: 'Page not found' })).toBeTruthy();
  });
});
