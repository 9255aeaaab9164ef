import { describe, expect, it } from 'vitest';
import { findHref, parseRoute } from './useHashRoute.ts';

describe('hash routes', () => {
  it('reads the lookup page: no id, a typed-in id, an id of a known kind', () => {
    expect(parseRoute('#/find')).toEqual({ page: 'find', kind: null, id: null });
    expect(parseRoute('#/find/order-7')).toEqual({ page: 'find', kind: null, id: 'order-7' });
    expect(parseRoute('#/find/grant/0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f')).toEqual({
      page: 'find',
      kind: 'grant',
      id: '0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f',
    });
    expect(parseRoute('#/find/order/a%3Ab')).toEqual({ page: 'find', kind: 'order', id: 'a:b' });
    expect(parseRoute('#/find/lot/x')).toEqual({ page: 'notFound', path: '/find/lot/x' });
    expect(parseRoute('#/find/%E0%A4%A')).toEqual({ page: 'notFound', path: '/find/%E0%A4%A' });
  });

  it('writes the links it reads', () => {
    expect(findHref('a:b')).toBe('#/find/a%3Ab');
    expect(findHref('a:b', 'order')).toBe('#/find/order/a%3Ab');
    expect(parseRoute(findHref('x.y', 'hold'))).toEqual({ page: 'find', kind: 'hold', id: 'x.y' });
    expect(parseRoute('#/customer/alice')).toEqual({ page: 'customer', userId: 'alice' });
  });
});
