/**
 * A small ClickHouse client over the HTTP interface, for ClickHouse 18.16 (the Debian
 * package) and current releases alike: plain SQL, JSONEachRow in and out. 18.16 has
 * no query parameters, so values are quoted here (quote/quoteList) — never paste a
 * raw value into SQL.
 */
import type { DbUser } from './config.ts';

export class ClickHouseError extends Error {
  constructor(message: string, public readonly status?: number) {
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

export class ClickHouse {
  constructor(
    private readonly url: string,
    private readonly user: DbUser,
    private readonly database: string,
    private readonly timeoutMs = 30_000,
  ) {}

  private async post(query: string, body?: string): Promise<string> {
    const params = new URLSearchParams({ database: this.database });
    if (body !== undefined) params.set('query', query);
    let res: Response;
    try {
      res = await fetch(`${this.url}/?${params}`, {
        method: 'POST',
        headers: { 'X-ClickHouse-User': this.user.user, 'X-ClickHouse-Key': this.user.password },
        body: body ?? query,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new ClickHouseError(`ClickHouse is not reachable: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new ClickHouseError(text.trim().slice(0, 2000), res.status);
    return text;
  }

  /** Runs a statement (DDL, INSERT ... SELECT). */
  async exec(sql: string): Promise<void> {
    await this.post(sql);
  }

  /** Rows of a SELECT (FORMAT JSONEachRow is added). 64-bit integers arrive as strings in 18.16. */
  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const text = await this.post(`${sql}\nFORMAT JSONEachRow`);
    return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as T);
  }

  /** Inserts rows as one INSERT (one block: atomic below max_insert_block_size rows). */
  async insert(table: string, rows: object[]): Promise<void> {
    if (rows.length === 0) return;
    await this.post(`INSERT INTO ${table} FORMAT JSONEachRow`, rows.map((r) => JSON.stringify(r)).join('\n'));
  }
}
