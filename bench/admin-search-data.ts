/**
 * The admin search bench's data (api/bench/admin-search.ts runs this as a child process:
 * nothing outside api/ imports api/, and the API's bench may not import the projector's
 * writer, ADR 0009).
 *
 *   fill --db <name> [--events 1000000] [--users 20000] [--days 365]
 *     creates the scratch ClickHouse database (the read model's schema, on every server)
 *     and fills it through the projector's own writer (ClickHouseStore: the seq check, the
 *     TabSeparated rows of rows.ts) with --events events of --users users over the last
 *     --days days: a ledger each user could have had, kept consistent (seq, balanceAfter,
 *     heldAfter, pendingAfter, FIFO allocations): grants (some pending, then activated),
 *     uses, partial cancellations, holds captured in part and released, revocations, and
 *     expiries of lapsed lots. Prints progress on stderr and one line of JSON on stdout:
 *     {events, users, from, to, ms, sampleUsers, reasonWord}.
 *   drop --db <name>
 *     drops it on every server.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ClickHouse } from '../common/src/clickhouse.ts';
import { loadConfig } from '../common/src/config.ts';
import { pointEvent, type Allocation, type EventType, type PointEvent } from '../schemas/point-event.ts';
import { dropDatabase, ensureDatabase, ensureSchema } from '../projectors/clickhouse/schema.ts';
import { ClickHouseStore } from '../projectors/clickhouse/writer.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    db: { type: 'string' },
    events: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '20000' },
    days: { type: 'string', default: '365' },
  },
});
const config = loadConfig();
const db = values.db;
if (!db || !/^points_bench_[A-Za-z0-9_]+$/.test(db)) throw new Error('--db points_bench_<name> is required (a scratch database of its own)');

const MIN = 60_000;
const DAY = 86_400_000;

/** A small deterministic generator (mulberry32): the same data for the same arguments. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(20261203);
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const GRANT_REASONS = [
  'Welcome bonus',
  'Birthday gift',
  'Order cashback',
  'Referral bonus: a friend joined',
  'Customer service goodwill, delayed parcel',
  'Promo "SPRING" double points',
  'App download bonus',
  'Survey reward',
  'Product review reward',
  'Loyalty tier upgrade bonus',
  'Partner campaign',
  'Price match compensation',
  'Anniversary bonus',
  '100% match bonus',
  'Newsletter sign-up',
] as const;
const USE_REASONS = ['Checkout', 'Redeemed for a voucher', 'Donation to charity', 'Shipping fee'] as const;
const SOURCES = ['shop', 'app', 'promo', 'partner', 'batch', 'support'] as const;

interface Lot {
  grantId: string;
  remaining: number;
  expiresAt: number;
  pending: boolean;
  availableAt: number;
  revoked: boolean;
}
interface Use {
  useId: string;
  allocations: Allocation[];
  canceled: number;
  amount: number;
}
interface User {
  userId: string;
  seq: number;
  balance: number;
  held: number;
  pending: number;
  lots: Lot[];
  uses: Use[];
}

let orderNo = 100_000;
const out: PointEvent[] = [];

function emit(u: User, type: EventType, amount: number, at: number, more: Partial<PointEvent> = {}): void {
  u.seq += 1;
  out.push(
    pointEvent({
      eventId: randomUUID(),
      userId: u.userId,
      seq: u.seq,
      type,
      amount,
      balanceAfter: u.balance,
      occurredAt: at,
      heldAfter: u.held,
      pendingAfter: u.pending,
      ...more,
    }),
  );
}

/** What happens to a user by the clock before their next command: activations, then expiries (the command's lazy steps). */
function catchUp(u: User, at: number): void {
  for (const l of u.lots) {
    if (l.pending && l.availableAt <= at) {
      l.pending = false;
      u.pending -= l.remaining;
      u.balance += l.remaining;
      emit(u, 'POINTS_GRANT_ACTIVATED', l.remaining, at, { grantId: l.grantId, reason: 'available' });
    }
  }
  for (const l of u.lots) {
    if (!l.pending && l.remaining > 0 && l.expiresAt <= at) {
      const n = l.remaining;
      l.remaining = 0;
      u.balance -= n;
      emit(u, 'POINTS_EXPIRED', n, at, { grantId: l.grantId, expiresAt: l.expiresAt });
    }
  }
}

/** Takes `amount` from the unexpired active lots, earliest expiry first (FIFO), or null when there is not enough. */
function allocate(u: User, amount: number, at: number): Allocation[] | null {
  const lots = u.lots.filter((l) => !l.pending && l.remaining > 0 && l.expiresAt > at).sort((a, b) => a.expiresAt - b.expiresAt);
  if (lots.reduce((s, l) => s + l.remaining, 0) < amount) return null;
  const out: Allocation[] = [];
  let left = amount;
  for (const l of lots) {
    if (left === 0) break;
    const take = Math.min(l.remaining, left);
    l.remaining -= take;
    left -= take;
    out.push({ grantId: l.grantId, amount: take });
  }
  return out;
}

/** Gives allocations back to their lots (settleReturned then expires a lapsed lot's share, revokes a revoked one's). */
function giveBack(u: User, allocations: Allocation[]): void {
  for (const a of allocations) u.lots.find((l) => l.grantId === a.grantId)!.remaining += a.amount;
}

function settleReturned(u: User, allocations: Allocation[], at: number): void {
  for (const a of allocations) {
    const lot = u.lots.find((l) => l.grantId === a.grantId)!;
    if (lot.revoked) {
      lot.remaining -= a.amount;
      u.balance -= a.amount;
      emit(u, 'POINTS_REVOKED', a.amount, at, { grantId: lot.grantId, reason: 'revoked grant' });
    } else if (lot.expiresAt <= at) {
      lot.remaining -= a.amount;
      u.balance -= a.amount;
      emit(u, 'POINTS_EXPIRED', a.amount, at, { grantId: lot.grantId, expiresAt: lot.expiresAt });
    }
  }
}

function grant(u: User, at: number): void {
  const amount = pick([100, 200, 250, 500, 500, 1000, 1000, 1500, 2000, 5000]) + int(0, 20) * 5;
  const expiresAt = at + int(30, 365) * DAY;
  const source = rnd() < 0.8 ? pick(SOURCES) : null;
  const orderId = rnd() < 0.4 ? `ord-${orderNo++}` : null;
  const grantId = randomUUID();
  if (rnd() < 0.08) {
    const availableAt = at + int(1, 14) * DAY;
    u.pending += amount;
    u.lots.push({ grantId, remaining: amount, expiresAt: expiresAt + 14 * DAY, pending: true, availableAt, revoked: false });
    emit(u, 'POINTS_GRANT_PENDING', amount, at, { grantId, expiresAt: expiresAt + 14 * DAY, availableAt, source, orderId, reason: pick(GRANT_REASONS) });
    return;
  }
  u.balance += amount;
  u.lots.push({ grantId, remaining: amount, expiresAt, pending: false, availableAt: 0, revoked: false });
  emit(u, 'POINTS_GRANTED', amount, at, { grantId, expiresAt, source, orderId, reason: pick(GRANT_REASONS) });
}

function use(u: User, at: number): boolean {
  if (u.balance < 50) return false;
  const amount = Math.max(1, Math.floor(u.balance * (0.1 + rnd() * 0.5)));
  const allocations = allocate(u, amount, at);
  if (!allocations) return false;
  u.balance -= amount;
  const useId = randomUUID();
  // A copy: cancellations count down what is left of each allocation; the event keeps its own.
  u.uses.push({ useId, allocations: allocations.map((a) => ({ ...a })), canceled: 0, amount });
  if (u.uses.length > 5) u.uses.shift();
  emit(u, 'POINTS_USED', amount, at, { useId, allocations, orderId: `ord-${orderNo++}`, reason: rnd() < 0.5 ? pick(USE_REASONS) : null });
  return true;
}

function cancel(u: User, at: number): boolean {
  const x = u.uses.find((s) => s.canceled < s.amount);
  if (!x) return false;
  const amount = Math.max(1, Math.floor((x.amount - x.canceled) * (rnd() < 0.5 ? 1 : 0.5)));
  x.canceled += amount;
  // Back to the lots it came from, latest expiry first (the domain's order).
  const back: Allocation[] = [];
  let left = amount;
  const from = [...x.allocations].reverse();
  for (const a of from) {
    if (left === 0) break;
    const give = Math.min(a.amount, left);
    a.amount -= give;
    left -= give;
    back.push({ grantId: a.grantId, amount: give });
  }
  giveBack(u, back);
  u.balance += amount;
  emit(u, 'POINTS_USE_CANCELED', amount, at, { useId: x.useId, allocations: back, cancellationId: randomUUID(), reason: 'order returned' });
  settleReturned(u, back, at);
  return true;
}

/** A hold at checkout, captured in part a minute later; the rest released at once. */
function holdAndCapture(u: User, at: number): boolean {
  if (u.balance < 100) return false;
  const amount = Math.max(2, Math.floor(u.balance * (0.1 + rnd() * 0.3)));
  const allocations = allocate(u, amount, at);
  if (!allocations) return false;
  const holdId = randomUUID();
  const orderId = `ord-${orderNo++}`;
  u.balance -= amount;
  u.held += amount;
  emit(u, 'POINTS_HELD', amount, at, { holdId, allocations, orderId, expiresAt: at + 15 * MIN });
  const captured = rnd() < 0.2 ? 0 : Math.max(1, Math.floor(amount * (0.5 + rnd() * 0.5)));
  const taken: Allocation[] = [];
  const rest: Allocation[] = [];
  let left = captured;
  for (const a of allocations) {
    const take = Math.min(a.amount, left);
    left -= take;
    if (take > 0) taken.push({ grantId: a.grantId, amount: take });
    if (a.amount - take > 0) rest.push({ grantId: a.grantId, amount: a.amount - take });
  }
  const later = at + MIN;
  if (captured > 0) {
    u.held -= captured;
    const useId = randomUUID();
    emit(u, 'POINTS_USED', captured, later, { holdId, useId, allocations: taken, orderId, reason: 'Checkout' });
    u.uses.push({ useId, allocations: taken.map((a) => ({ ...a })), canceled: 0, amount: captured });
    if (u.uses.length > 5) u.uses.shift();
  }
  if (rest.length > 0) {
    const n = amount - captured;
    u.held -= n;
    u.balance += n;
    giveBack(u, rest);
    emit(u, 'POINTS_HOLD_RELEASED', n, later, { holdId, allocations: rest, orderId, reason: captured > 0 ? 'rest of the capture' : 'released' });
    settleReturned(u, rest, later);
  }
  return true;
}

function revoke(u: User, at: number): boolean {
  const lot = u.lots.find((l) => l.remaining > 0 && !l.revoked && (l.pending || l.expiresAt > at));
  if (!lot) return false;
  const amount = rnd() < 0.5 ? lot.remaining : Math.max(1, Math.floor(lot.remaining / 2));
  lot.remaining -= amount;
  if (lot.remaining === 0) lot.revoked = true;
  if (lot.pending) u.pending -= amount;
  else u.balance -= amount;
  emit(u, 'POINTS_REVOKED', amount, at, { grantId: lot.grantId, reason: pick(['fraud check', 'order cancelled', 'granted by mistake']) });
  return true;
}

async function fill(): Promise<void> {
  const total = Number(values.events);
  const userCount = Number(values.users);
  const days = Number(values.days);
  await ensureDatabase(config, db!);
  await ensureSchema(config, db!);
  const ch = new ClickHouse(config.clickhouse.url, config.clickhouse.writer, db!, 120_000);
  // Every apply() is one flush: one seq check, one INSERT of the batch (as a replay writes).
  const store = new ClickHouseStore(ch, { maxEvents: 1 });
  const users: User[] = Array.from({ length: userCount }, (_, i) => ({
    userId: `bench-search-${String(i).padStart(5, '0')}`,
    seq: 0,
    balance: 0,
    held: 0,
    pending: 0,
    lots: [],
    uses: [],
  }));
  const started = Date.now();
  const to = Date.now() - 10 * MIN;
  const from = to - days * DAY;
  // Actions (one or more events each) at evenly spread times: each to a random user.
  const perAction = 1.25;
  const actions = Math.ceil(total / perAction);
  const step = (to - from) / actions;
  let written = 0;
  let at = from;
  const flush = async () => {
    const r = await store.apply(out.splice(0, out.length));
    written += r.applied;
    process.stderr.write(`\r  ${written.toLocaleString('en')} / ${total.toLocaleString('en')} events`);
  };
  while (written + out.length < total) {
    at += step;
    const u = users[Math.floor(rnd() * userCount)]!;
    const t = Math.floor(at);
    catchUp(u, t);
    const r = rnd();
    // 34% grants, 34% uses, 8% cancellations, 18% holds (captured in part), 6% revocations;
    // what cannot be done (nothing to use, cancel, hold or revoke) is a grant instead.
    const done = u.seq === 0 || r < 0.34 ? false : r < 0.68 ? use(u, t) : r < 0.76 ? cancel(u, t) : r < 0.94 ? holdAndCapture(u, t) : revoke(u, t);
    if (!done) grant(u, t);
    if (out.length >= 50_000) await flush();
  }
  await flush();
  await store.flush();
  process.stderr.write('\n');
  await ch.close();
  const sampleUsers = Array.from({ length: 100 }, () => users[Math.floor(rnd() * userCount)]!.userId);
  console.log(JSON.stringify({ events: written, users: userCount, from, to, ms: Date.now() - started, sampleUsers, reasonWord: 'bonus' }));
}

if (positionals[0] === 'fill') await fill();
else if (positionals[0] === 'drop') await dropDatabase(config, db);
else throw new Error('usage: admin-search-data.ts fill|drop --db points_bench_<name> [--events N] [--users N] [--days N]');
