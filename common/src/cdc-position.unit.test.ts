import { describe, expect, it } from 'vitest';
import { binlogOrdinal, bytesBetween, compareBinlog, connectorPosition } from './cdc-position.ts';

const at = (file: number, pos: number) => ({ file: `mariadb-bin.${String(file).padStart(6, '0')}`, pos });

describe('binlog positions', () => {
  it('orders by file, then position', () => {
    expect(compareBinlog(at(1, 500), at(1, 400))).toBeGreaterThan(0);
    expect(compareBinlog(at(1, 400), at(1, 400))).toBe(0);
    expect(compareBinlog(at(1, 9_000_000), at(2, 4))).toBeLessThan(0);
    expect(binlogOrdinal(at(2, 4))).toBeGreaterThan(binlogOrdinal(at(1, 9_000_000)));
  });

  it('counts the bytes between two positions, across files with their sizes', () => {
    const files = [
      { name: at(1, 0).file, size: 1000 },
      { name: at(2, 0).file, size: 700 },
      { name: at(3, 0).file, size: 50 },
    ];
    expect(bytesBetween(at(1, 100), at(1, 350), files)).toBe(250);
    expect(bytesBetween(at(1, 900), at(3, 20), files)).toBe(100 + 700 + 20);
    expect(bytesBetween(at(2, 10), at(1, 999), files)).toBe(0); // ahead of the target: nothing behind
  });

  it("reads the position out of Debezium's MySQL/MariaDB offset", () => {
    expect(connectorPosition([{ offset: { file: 'mariadb-bin.000002', pos: 3114, ts_sec: 17, gtids: '0-1-9' } }])).toEqual({
      file: 'mariadb-bin.000002',
      pos: 3114,
      tsSec: 17,
    });
    expect(connectorPosition([])).toBeUndefined();
    expect(connectorPosition(undefined)).toBeUndefined();
    expect(connectorPosition([{ offset: { snapshot: true } }])).toBeUndefined();
  });
});
