/**
 * A command's transaction in two round trips (ADR 0007):
 *   begin():  SET TRANSACTION …; START TRANSACTION; then the reads (locks included)
 *   commit(): every write, then COMMIT
 * Statements are sent together as one multi-statement query on a connection of the
 * knex pool (created with multipleStatements). The server stops at the first failing
 * statement, so a failed batch never commits; the caller rolls back and may retry.
 * Every value goes through the connection's own escaping (format, time zone Z).
 */
import type { Knex } from 'knex';

/** The callback-style mysql2 connection knex pools. */
interface RawConnection {
  query(sql: string, cb: (err: Error | null, results: unknown) => void): void;
  format(sql: string, values: unknown[]): string;
}

export type Format = (sql: string, values?: unknown[]) => string;

export class CommandTx {
  private open = false;
  readonly format: Format;

  private constructor(private readonly conn: RawConnection) {
    this.format = (sql, values = []) => conn.format(sql, values);
  }

  /** Runs `fn` on a pooled connection; a transaction it left open is rolled back. */
  static async run<T>(db: Knex, fn: (tx: CommandTx) => Promise<T>): Promise<T> {
    const conn = (await db.client.acquireConnection()) as RawConnection;
    const tx = new CommandTx(conn);
    try {
      return await fn(tx);
    } finally {
      if (tx.open) await tx.rollback().catch(() => undefined);
      await db.client.releaseConnection(conn);
    }
  }

  /** Opens a READ COMMITTED transaction and runs `statements` in it: their results, in order. */
  async begin(statements: string[]): Promise<unknown[]> {
    this.open = true;
    const results = await this.send(['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', 'START TRANSACTION', ...statements]);
    return results.slice(2);
  }

  /** Runs `statements`, then COMMIT, in one round trip. */
  async commit(statements: string[]): Promise<void> {
    await this.send([...statements, 'COMMIT']);
    this.open = false;
  }

  async rollback(): Promise<void> {
    this.open = false;
    await this.send(['ROLLBACK']);
  }

  /** Runs `statements` in one round trip: their results, in order. */
  send(statements: string[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.conn.query(statements.join(';\n'), (err, results) => {
        if (err) reject(err);
        else resolve(statements.length === 1 ? [results] : (results as unknown[]));
      });
    });
  }
}

/** Rows of a SELECT result. */
export const rows = <T>(result: unknown): T[] => result as T[];
