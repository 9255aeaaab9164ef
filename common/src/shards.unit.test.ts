import { describe, expect, it } from 'vitest';
import { fnv1a32, idOnShard, shardOfId, shardOfKey, shardOfUser } from './shards.ts';

describe('shard routing', () => {
  it('FNV-1a 32 matches the published test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('puts a user on one shard, always the same, and spreads users over every shard', () => {
    const counts = [0, 0];
    for (let i = 0; i < 2000; i++) {
      const s = shardOfUser(`user-${i}`, 2);
      expect(shardOfUser(`user-${i}`, 2)).toBe(s);
      counts[s]!++;
    }
    expect(Math.min(...counts)).toBeGreaterThan(900);
    expect(shardOfUser('anyone', 1)).toBe(0);
  });

  it('hashes the UTF-8 bytes, so a user id of any script has one shard', () => {
    expect(shardOfUser('사용자-1', 2)).toBe(fnv1a32('사용자-1') % 2);
  });

  it('ids carry their shard and stay version-4 UUIDs', () => {
    for (const shard of [0, 1, 7, 255]) {
      const id = idOnShard(shard);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(shardOfId(id, 256)).toBe(shard);
    }
    expect(() => idOnShard(256)).toThrow(RangeError);
  });

  it('an id that names no shard is no id of ours; with one shard every UUID is on shard 0', () => {
    expect(shardOfId(idOnShard(5), 2)).toBeUndefined();
    expect(shardOfId('not-a-uuid', 2)).toBeUndefined();
    expect(shardOfId('ffffffff-0000-4000-8000-000000000000', 1)).toBe(0);
  });

  it("a key's claim shard depends on client and key, not on the user", () => {
    expect(shardOfKey('shop', 'k1', 2)).toBe(fnv1a32('shop\u0000k1') % 2);
    expect(shardOfKey('shop', 'k1', 1)).toBe(0);
  });
});
