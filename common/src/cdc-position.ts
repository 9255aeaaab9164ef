/**
 * Where each outbox connector is in its database's binlog, against where the database
 * is: the CDC stage of "idle" and of the pipeline's lag (DESIGN.md, "idle").
 *
 * The database's position comes from SHOW MASTER STATUS (MariaDB, MySQL 8.0) or SHOW
 * BINARY LOG STATUS (MySQL 8.4, the compose column); the connector's from its offsets in
 * Kafka Connect (`file` and `pos` of Debezium's MySQL/MariaDB offset). Debezium commits
 * that offset every offset.flush.interval.ms and, between transactions that reach the
 * topic, with its heartbeats (heartbeat.interval.ms, connect/README.md), so an idle
 * connector's offset reaches the database's position within about two seconds.
 */
import mysql from 'mysql2/promise';
import type { CdcSource, StackConfig } from './config.ts';
import { ConnectClient, isRunning, type ConnectorStatus } from './connect-client.ts';

export interface BinlogPosition {
  file: string;
  pos: number;
}

/** The binlog file's sequence number (mariadb-bin.000042 -> 42). */
const fileNumber = (file: string) => Number(/\.(\d+)$/.exec(file)?.[1] ?? Number.NaN);

/** A position as one number increasing along the binlog (file number, then position; positions stay below 2^32). */
export const binlogOrdinal = (p: BinlogPosition) => fileNumber(p.file) * 2 ** 32 + p.pos;

/** a - b in the order of the binlog: negative, zero or positive (files first, then positions). */
export function compareBinlog(a: BinlogPosition, b: BinlogPosition): number {
  const fa = fileNumber(a.file);
  const fb = fileNumber(b.file);
  if (fa !== fb) return fa - fb;
  return a.pos - b.pos;
}

/**
 * Bytes from `from` to `to`; `files` are the database's binlog files with their sizes
 * (SHOW BINARY LOGS), needed only when the two are in different files.
 */
export function bytesBetween(from: BinlogPosition, to: BinlogPosition, files: { name: string; size: number }[]): number {
  if (compareBinlog(from, to) >= 0) return 0;
  if (from.file === to.file) return to.pos - from.pos;
  let bytes = 0;
  for (const f of files) {
    const n = fileNumber(f.name);
    if (n === fileNumber(from.file)) bytes += Math.max(0, f.size - from.pos);
    else if (n > fileNumber(from.file) && n < fileNumber(to.file)) bytes += f.size;
  }
  return bytes + to.pos;
}

/** The connector's binlog position from its Kafka Connect offsets, when it has one. */
export function connectorPosition(offsets: { offset: Record<string, unknown> }[] | undefined): (BinlogPosition & { tsSec?: number }) | undefined {
  const o = offsets?.[0]?.offset;
  if (!o || typeof o.file !== 'string' || o.pos === undefined) return undefined;
  return { file: o.file, pos: Number(o.pos), ...(o.ts_sec === undefined ? {} : { tsSec: Number(o.ts_sec) }) };
}

/** One connection per database, as the CDC user (it has BINLOG MONITOR / REPLICATION CLIENT). */
export class BinlogReader {
  private conn?: Promise<mysql.Connection>;

  constructor(
    private readonly config: StackConfig,
    private readonly source: CdcSource,
  ) {}

  private connection(): Promise<mysql.Connection> {
    this.conn ??= mysql
      .createConnection({
        host: this.source.host,
        port: this.source.port,
        user: this.config.mysql.cdc.user,
        password: this.config.mysql.cdc.password,
        connectTimeout: 3000,
      })
      .then((c) => {
        c.on('error', () => {
          this.conn = undefined;
        });
        return c;
      });
    return this.conn;
  }

  private async query<T>(sql: string): Promise<T[]> {
    try {
      const [rows] = await (await this.connection()).query(sql);
      return rows as T[];
    } catch (e) {
      const conn = this.conn;
      this.conn = undefined;
      await conn?.then(
        (c) => c.destroy(),
        () => undefined,
      );
      throw e;
    }
  }

  /** The database's current binlog position and its files. */
  async position(): Promise<{ position: BinlogPosition; files: { name: string; size: number }[] }> {
    let rows: { File: string; Position: number | string }[];
    try {
      rows = await this.query('SHOW MASTER STATUS');
    } catch (e) {
      // MySQL 8.4 removed SHOW MASTER STATUS.
      if ((e as { errno?: number }).errno !== 1064) throw e;
      rows = await this.query('SHOW BINARY LOG STATUS');
    }
    const r = rows[0];
    if (!r) throw new Error(`binary logging is off on ${this.source.host}:${this.source.port}`);
    const files = (await this.query<{ Log_name: string; File_size: number | string }>('SHOW BINARY LOGS')).map((f) => ({
      name: f.Log_name,
      size: Number(f.File_size),
    }));
    return { position: { file: r.File, pos: Number(r.Position) }, files };
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    await conn
      ?.then(
        (c) => c.end(),
        () => undefined,
      )
      .catch(() => undefined);
  }
}

export interface CdcLag {
  connector: string;
  /** RUNNING when the connector and every task run; NOT_REGISTERED, UNREACHABLE, or the failing state. */
  state: string;
  tasks: { id: number; state: string; workerId: string }[];
  database: BinlogPosition | null;
  connectorAt: BinlogPosition | null;
  /** Binlog bytes the connector has not yet committed as read; null when unknown. */
  bytesBehind: number | null;
  error?: string;
}

/** Connector state of one source, with the reason in a word. */
function stateOf(s: ConnectorStatus | undefined): string {
  if (!s) return 'NOT_REGISTERED';
  if (isRunning(s)) return 'RUNNING';
  if (s.connector.state !== 'RUNNING') return s.connector.state;
  const bad = s.tasks.find((t) => t.state !== 'RUNNING');
  return bad ? `TASK_${bad.state}` : 'NO_TASKS';
}

/** Reads every source's CDC lag at once. */
export class CdcMonitor {
  private readonly readers: BinlogReader[];
  private readonly connect: ConnectClient;
  /**
   * Each connector's last position read from Kafka Connect: while Connect is down its
   * connectors cannot move, so the lag is still known (and grows with every write).
   */
  private readonly lastKnown = new Map<string, BinlogPosition>();

  constructor(
    private readonly config: StackConfig,
    timeoutMs = 5000,
  ) {
    this.readers = config.cdc.sources.map((s) => new BinlogReader(config, s));
    this.connect = new ConnectClient(config.connect.url, timeoutMs);
  }

  async lag(): Promise<CdcLag[]> {
    return Promise.all(
      this.config.cdc.sources.map(async (source, i) => {
        const out: CdcLag = { connector: source.connector, state: 'UNKNOWN', tasks: [], database: null, connectorAt: null, bytesBehind: null };
        const [db, status, offsets] = await Promise.allSettled([
          this.readers[i]!.position(),
          this.connect.status(source.connector),
          this.connect.offsets(source.connector),
        ]);
        if (status.status === 'fulfilled') {
          out.state = stateOf(status.value);
          out.tasks = (status.value?.tasks ?? []).map((t) => ({ id: t.id, state: t.state, workerId: t.worker_id }));
        } else {
          out.state = 'UNREACHABLE';
          out.error = `Kafka Connect: ${(status.reason as Error).message}`;
        }
        if (db.status === 'fulfilled') out.database = db.value.position;
        else out.error = `database: ${(db.reason as Error).message}`;
        if (offsets.status === 'fulfilled') out.connectorAt = connectorPosition(offsets.value) ?? null;
        else out.connectorAt = this.lastKnown.get(source.connector) ?? null;
        if (out.connectorAt) this.lastKnown.set(source.connector, out.connectorAt);
        if (db.status === 'fulfilled' && out.connectorAt) out.bytesBehind = bytesBetween(out.connectorAt, db.value.position, db.value.files);
        return out;
      }),
    );
  }

  /** The databases' positions now (the target of an idle check). */
  async databasePositions(): Promise<BinlogPosition[]> {
    return Promise.all(this.readers.map(async (r) => (await r.position()).position));
  }

  async close(): Promise<void> {
    await Promise.all(this.readers.map((r) => r.close()));
  }
}
