/**
 * The connector configs of connect/*.json, their ${VAR} placeholders filled from
 * the configuration, and a small client of the Kafka Connect REST API.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { loadConfig, repoRoot, templateVariables, type StackConfig } from '../../common/src/config.ts';

export interface ConnectorFile {
  file: string;
  name: string;
  config: Record<string, string>;
}

export const connectDir = path.join(repoRoot, 'connect');

/** MariaDB gets Debezium's MariaDB connector, MySQL 8 (docker-compose) the MySQL one. */
export async function detectConnectorClass(cfg: StackConfig): Promise<string> {
  const conn = await mysql.createConnection({
    host: cfg.mysql.host,
    port: cfg.mysql.port,
    user: cfg.mysql.cdc.user,
    password: cfg.mysql.cdc.password,
  });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    const version = String(rows[0]?.v ?? '');
    return /mariadb/i.test(version)
      ? 'io.debezium.connector.mariadb.MariaDbConnector'
      : 'io.debezium.connector.mysql.MySqlConnector';
  } finally {
    await conn.end();
  }
}

export function fillTemplate(text: string, vars: Record<string, string>, where: string): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`${where}: \${${name}} is not set in the configuration`);
    return v;
  });
}

/** Reads connect/*.json; pass extra variables (such as the detected connector class). */
export function readConnectorFiles(extra: Record<string, string> = {}): ConnectorFile[] {
  const cfg = loadConfig();
  const vars = { ...templateVariables(), KAFKA_BOOTSTRAP: cfg.kafka.brokers.join(','), ...extra };
  return readdirSync(connectDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = path.join(connectDir, f);
      const raw = JSON.parse(readFileSync(file, 'utf8')) as { name: string; config: Record<string, string> };
      const config = JSON.parse(fillTemplate(JSON.stringify(raw.config), vars, f)) as Record<string, string>;
      return { file, name: raw.name, config };
    });
}

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: { id: number; state: string; worker_id: string; trace?: string }[];
}

export class ConnectClient {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${p}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
    if (res.status >= 400 && res.status !== 404) {
      throw new Error(`Kafka Connect ${method} ${p} answered ${res.status}: ${text}`);
    }
    return { status: res.status, body: parsed };
  }

  /** PUT /connectors/<name>/config: creates or updates; true when it was created. */
  async put(name: string, config: Record<string, string>): Promise<boolean> {
    const r = await this.call('PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
    return r.status === 201;
  }

  async list(): Promise<string[]> {
    return (await this.call<string[]>('GET', '/connectors')).body;
  }

  async status(name: string): Promise<ConnectorStatus | undefined> {
    const r = await this.call<ConnectorStatus>('GET', `/connectors/${encodeURIComponent(name)}/status`);
    return r.status === 404 ? undefined : r.body;
  }

  async restart(name: string): Promise<void> {
    await this.call('POST', `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
  }
}

export function isRunning(s: ConnectorStatus | undefined): boolean {
  return !!s && s.connector.state === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING');
}

export function describeStatus(s: ConnectorStatus): string {
  const lines = [`${s.name}: connector ${s.connector.state} on ${s.connector.worker_id}`];
  if (s.tasks.length === 0) lines.push('  (no tasks yet)');
  for (const t of s.tasks) {
    lines.push(`  task ${t.id}: ${t.state} on ${t.worker_id}`);
    if (t.trace) lines.push(`    ${t.trace.split('\n').slice(0, 3).join('\n    ')}`);
  }
  if (s.connector.trace) lines.push(`  ${s.connector.trace.split('\n').slice(0, 3).join('\n  ')}`);
  return lines.join('\n');
}
