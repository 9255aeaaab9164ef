import { describe, expect, it } from 'vitest';
import { OPERATIONS_PAGES, parseRoute } from '../hooks/useHashRoute.ts';

describe('routes of the operations pages', () => {
  it('reads each page from its one path segment, and nothing below it', () => {
    expect(OPERATIONS_PAGES.map((p) => parseRoute(`#/${p}`))).toEqual([
      { page: 'search' },
      { page: 'users' },
      { page: 'batches' },
      { page: 'liability' },
      { page: 'dead-letters' },
    ]);
    expect(parseRoute('#/search/')).toEqual({ page: 'search' });
    expect(parseRoute('#/users/alice')).toEqual({ page: 'notFound', path: '/users/alice' });
    expect(parseRoute('#/dead-letter')).toEqual({ page: 'notFound', path: '/dead-letter' });
  });
});
