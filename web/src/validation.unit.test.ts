import { describe, expect, it } from 'vitest';
import {
  checkAmount,
  checkAvailableAt,
  checkDay,
  checkExpiresAt,
  checkLookupId,
  checkOrderId,
  checkRange,
  checkReason,
  checkSource,
  checkTtlSeconds,
  checkUserId,
  checkUuid,
  checkValidDays,
  parseUtcDateTime,
} from './validation.ts';

describe('the API rules, mirrored', () => {
  it('userId: 1–64 chars of [A-Za-z0-9_.:-]', () => {
    expect(checkUserId('')).toMatch(/Enter a user id/);
    expect(checkUserId('a')).toBeNull();
    expect(checkUserId('A-z_0.9:x')).toBeNull();
    expect(checkUserId('x'.repeat(64))).toBeNull();
    expect(checkUserId('x'.repeat(65))).toMatch(/at most 64/);
    expect(checkUserId('bad id')).toMatch(/only hold/);
    expect(checkUserId('émile')).toMatch(/only hold/);
    expect(checkUserId('a/b')).toMatch(/only hold/);
  });

  it('amount: an integer from 1 to 1,000,000,000', () => {
    expect(checkAmount('')).toMatch(/Enter an amount/);
    expect(checkAmount('', { optional: true })).toBeNull();
    expect(checkAmount('1')).toBeNull();
    expect(checkAmount('1000000000')).toBeNull();
    expect(checkAmount('1000000001')).toMatch(/at most 1,000,000,000/);
    expect(checkAmount('0')).toMatch(/at least 1/);
    expect(checkAmount('-5')).toMatch(/whole number/);
    expect(checkAmount('1.5')).toMatch(/whole number/);
    expect(checkAmount('1e3')).toMatch(/whole number/);
    expect(checkAmount('12a')).toMatch(/whole number/);
  });

  it('reason: 1–200 characters (required for grants and revocations, optional elsewhere)', () => {
    expect(checkReason('')).toMatch(/Enter a reason/);
    expect(checkReason('', { optional: true })).toBeNull();
    expect(checkReason('x')).toBeNull();
    expect(checkReason('x'.repeat(200))).toBeNull();
    expect(checkReason('x'.repeat(201))).toMatch(/at most 200/);
    // Counted in characters, as the API's schema counts them.
    expect(checkReason('😀'.repeat(200))).toBeNull();
  });

  it('source and orderId: up to 100 characters, optional', () => {
    expect(checkSource('')).toBeNull();
    expect(checkSource('x'.repeat(100))).toBeNull();
    expect(checkSource('x'.repeat(101))).toMatch(/at most 100/);
    expect(checkOrderId('')).toBeNull();
    expect(checkOrderId('x'.repeat(101))).toMatch(/at most 100/);
  });

  it('validDays: an integer from 1 to 36500', () => {
    expect(checkValidDays('')).toMatch(/Enter a number of days/);
    expect(checkValidDays('1')).toBeNull();
    expect(checkValidDays('36500')).toBeNull();
    expect(checkValidDays('0')).toMatch(/from 1 to 36,500/);
    expect(checkValidDays('36501')).toMatch(/from 1 to 36,500/);
    expect(checkValidDays('2.5')).toMatch(/whole number/);
  });

  it('expiresAt: a time in the future, at most 100 years ahead, read as UTC', () => {
    const now = Date.parse('2026-11-21T12:00:00Z');
    expect(parseUtcDateTime('2026-11-21T12:30')).toBe(Date.parse('2026-11-21T12:30:00Z'));
    expect(checkExpiresAt('', now)).toMatch(/Enter the expiry/);
    expect(checkExpiresAt('not a time', now)).toMatch(/not a valid date/);
    expect(checkExpiresAt('2026-11-21T11:59', now)).toMatch(/in the future/);
    expect(checkExpiresAt('2026-11-21T12:00', now)).toMatch(/in the future/);
    expect(checkExpiresAt('2026-11-21T12:01', now)).toBeNull();
    expect(checkExpiresAt('2126-10-01T00:00', now)).toBeNull();
    expect(checkExpiresAt('2127-01-01T00:00', now)).toMatch(/100 years/);
  });

  it('grantId and useId: the lower-case UUIDs the API hands out', () => {
    expect(checkUuid('', 'use id')).toMatch(/Enter the use id/);
    expect(checkUuid('0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f', 'use id')).toBeNull();
    expect(checkUuid('0B6F3C9E-1D2A-4C5B-8E7F-9A0B1C2D3E4F', 'use id')).toMatch(/UUID/);
    expect(checkUuid('123', 'grant id')).toMatch(/UUID/);
  });

  it('analytics days: real days, from before to, at most 10 years', () => {
    expect(checkDay('2026-02-28', 'start')).toBeNull();
    expect(checkDay('2026-02-30', 'start')).toMatch(/not a valid date/);
    expect(checkDay('', 'end')).toMatch(/Enter the end day/);
    expect(checkRange('2026-11-01', '2026-11-30')).toBeNull();
    expect(checkRange('2026-11-30', '2026-11-01')).toMatch(/before the start/);
    expect(checkRange('2010-01-01', '2026-01-01')).toMatch(/10 years/);
  });

  it('orderId: 1–100 chars of [A-Za-z0-9_.:-], as every command takes it', () => {
    expect(checkOrderId('A-z_0.9:x')).toBeNull();
    expect(checkOrderId('x'.repeat(100))).toBeNull();
    expect(checkOrderId('order 1')).toMatch(/only hold/);
    expect(checkOrderId('order/1')).toMatch(/only hold/);
    expect(checkOrderId('', { optional: false })).toMatch(/Enter/);
  });

  it('ttlSeconds: optional, an integer from 60 to 86,400', () => {
    expect(checkTtlSeconds('')).toBeNull();
    expect(checkTtlSeconds('60')).toBeNull();
    expect(checkTtlSeconds('86400')).toBeNull();
    expect(checkTtlSeconds('59')).toMatch(/from 60 to 86,400/);
    expect(checkTtlSeconds('86401')).toMatch(/from 60 to 86,400/);
    expect(checkTtlSeconds('1.5')).toMatch(/whole number/);
  });

  it('availableAt: optional, in the future, before the expiry', () => {
    const now = Date.parse('2026-11-21T10:00:00Z');
    expect(checkAvailableAt('', { now })).toBeNull();
    expect(checkAvailableAt('2026-11-22T10:00', { now })).toBeNull();
    expect(checkAvailableAt('2026-11-21T09:59', { now })).toMatch(/in the future/);
    expect(checkAvailableAt('2026-11-2', { now })).toMatch(/not a valid/);
    expect(checkAvailableAt('2026-11-22T10:00', { now, expiresAt: Date.parse('2026-11-22T10:00:00Z') })).toMatch(/before they expire/);
    expect(checkAvailableAt('2026-11-22T10:00', { now, expiresAt: Date.parse('2026-11-23T10:00:00Z') })).toBeNull();
    expect(checkAvailableAt('2200-01-01T00:00', { now })).toMatch(/100 years/);
  });

  it('the lookup id: a UUID (any case) or an order id', () => {
    expect(checkLookupId('')).toMatch(/Enter an order id/);
    expect(checkLookupId('0b6f3c9e-1d2a-4c5b-8e7f-9a0b1c2d3e4f')).toBeNull();
    expect(checkLookupId('0B6F3C9E-1D2A-4C5B-8E7F-9A0B1C2D3E4F')).toBeNull();
    expect(checkLookupId('order-7')).toBeNull();
    expect(checkLookupId('order 7')).toMatch(/only hold.*UUID/);
    expect(checkLookupId('o'.repeat(101))).toMatch(/at most 100/);
  });
});
