/**
 * The ClickHouse client of every Node process: @clickhouse/client, for ClickHouse 18.16
 * (the Debian package) and current releases (compose) alike. Plain SQL, JSONEachRow in
 * and out. 18.16 has no server-side query parameters ("Unknown setting param_x"), so
 * values are quoted here (quote/quoteList, tested in sql.unit.test.ts): the one place
 * that builds SQL text from a value. Never paste a raw value into SQL.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { Readable } from 'node:stream';
import type { DbUser } from './config.ts';

export class ClickHouseError extends Error {
  constructor(
    message: string,
    public readonly code?: string,
  ) {
    super(message);
    this.name = 'ClickHouseError';
  }
}

/** A string literal: backslash and quote escaped. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function quoteList(values: string[]): string {
  return `(${values.map(quote).join(', ')})`;
}

/** The library's errors as ours: the server's message, or "not reachable" for a connection that failed. */
function ours(e: unknown): ClickHouseError {
  const err = e as { message?: string; code?: string };
  if (err.code && /^E[A-Z]+$/.test(err.code)) return new ClickHouseError(`ClickHouse is not reachable: ${err.message ?? err.code}`, err.code);
  return new ClickHouseError((err.message ?? String(e)).trim().slice(0, 2000), err.code);
}

export class ClickHouse {
  private readonly client: ClickHouseClient;

  constructor(url: string, user: DbUser, database: string, timeoutMs = 30_000) {
    this.client = createClient({
      url,
      username: user.user,
      password: user.password,
      database,
      request_timeout: timeoutMs,
      compression: { request: false, response: false },
      // The library logs every failed request itself; ours are reported by their callers.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  /**
   * Runs a statement (DDL, INSERT ... SELECT, or an INSERT with its data in the statement),
   * with settings of its own when given (insert_distributed_sync, ...).
   */
  async exec(sql: string, settings?: ClickHouseSettings): Promise<void> {
    try {
      await this.client.command({ query: sql, ...(settings ? { clickhouse_settings: settings } : {}) });
    } catch (e) {
      throw ours(e);
    }
  }

  /**
   * Rows of a SELECT (as JSONEachRow), with settings of its own when given
   * (distributed_product_mode, ...). 64-bit integers arrive as strings in 18.16.
   */
  async query<T = Record<string, unknown>>(sql: string, settings?: ClickHouseSettings): Promise<T[]> {
    try {
      const rs = await this.client.query({ query: sql, format: 'JSONEachRow', ...(settings ? { clickhouse_settings: settings } : {}) });
      return await rs.json<T>();
    } catch (e) {
      throw ours(e);
    }
  }

  /**
   * The rows of a SELECT as they arrive (JSONEachRow), for answers too large to hold: an
   * object-mode stream of batches of rows (each row's `json()` parses it), read from
   * ClickHouse only as fast as the consumer takes them (back-pressure). Resolves once
   * ClickHouse has started to answer, so a server that is down or a refused query rejects
   * here, before the caller has sent anything on; an error later fails the stream (18.16
   * writes a late exception into the body as text, which is no JSON row). Destroying the
   * stream closes the connection, which stops the query.
   */
  async stream(sql: string, settings?: ClickHouseSettings): Promise<Readable> {
    try {
      const rs = await this.client.query({ query: sql, format: 'JSONEachRow', ...(settings ? { clickhouse_settings: settings } : {}) });
      return rs.stream();
    } catch (e) {
      throw ours(e);
    }
  }

  /** Inserts rows as one INSERT (one block: atomic below max_insert_block_size rows), with settings of its own when given. */
  async insert(table: string, rows: object[], settings?: ClickHouseSettings): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.client.insert({ table, values: rows, format: 'JSONEachRow', ...(settings ? { clickhouse_settings: settings } : {}) });
    } catch (e) {
      throw ours(e);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
