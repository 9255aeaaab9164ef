import { describe, expect, it } from 'vitest';
import { TSV_COLUMNS } from './rows.ts';
import { eventsDdl, migrationSql, V2_COLUMNS } from './schema.ts';

/** The columns of eventsDdl, name -> type, in their order. */
function ddlColumns(ddl: string): [string, string][] {
  const body = ddl.slice(ddl.indexOf('(') + 1, ddl.lastIndexOf(') ENGINE'));
  return body
    .split(',\n')
    .map((l) => l.trim())
    .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)] as [string, string]);
}

/** The table as the projector created it before schema version 2. */
const V1_COLUMNS = ddlColumns(eventsDdl('events')).slice(0, -V2_COLUMNS.length);

describe('eventsDdl', () => {
  it('has a column for every value the writer sends, in the same order, the version-2 ones last', () => {
    const columns = ddlColumns(eventsDdl('events_local'));
    expect(columns.map(([n]) => n)).toEqual([...TSV_COLUMNS]);
    expect(columns.slice(-V2_COLUMNS.length)).toEqual(V2_COLUMNS.map(([n, t]) => [n, t]));
    expect(V1_COLUMNS.at(-1)).toEqual(['orderId', 'Nullable(String)']);
    // type is a String: new event types need no ALTER.
    expect(columns.find(([n]) => n === 'type')).toEqual(['type', 'String']);
  });
});

describe('migrationSql', () => {
  it('adds every version-2 column to a version-1 table, each after the one before it', () => {
    expect(migrationSql('events', new Map(V1_COLUMNS))).toBe(
      'ALTER TABLE events ADD COLUMN holdId Nullable(String) AFTER orderId, ' +
        'ADD COLUMN availableAt Nullable(DateTime) AFTER holdId, ' +
        'ADD COLUMN availableAtMs Nullable(UInt64) AFTER availableAt, ' +
        'ADD COLUMN heldAfter Int64 AFTER availableAtMs, ' +
        'ADD COLUMN pendingAfter Int64 AFTER heldAfter',
    );
  });

  it('does nothing on a table that has them all (every start after the first)', () => {
    expect(migrationSql('events_local', new Map(ddlColumns(eventsDdl('events_local'))))).toBeNull();
  });

  it('adds only what a migration that stopped halfway left out, in place', () => {
    const half = new Map([...V1_COLUMNS, ['holdId', 'Nullable(String)'], ['heldAfter', 'Int64']]);
    expect(migrationSql('events', half)).toBe(
      'ALTER TABLE events ADD COLUMN availableAt Nullable(DateTime) AFTER holdId, ' +
        'ADD COLUMN availableAtMs Nullable(UInt64) AFTER availableAt, ' +
        'ADD COLUMN pendingAfter Int64 AFTER heldAfter',
    );
  });

  it('refuses a column of another type, and a table that is not ours', () => {
    expect(() => migrationSql('events', new Map([...V1_COLUMNS, ['heldAfter', 'UInt64']]))).toThrow(/events\.heldAfter is UInt64, expected Int64/);
    expect(() => migrationSql('events', new Map([['x', 'String']]))).toThrow(/no column orderId/);
  });
});
