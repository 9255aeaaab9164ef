/**
 * The connector configs of connect/*.json, their ${VAR} placeholders filled from
 * the configuration, and a small client of the Kafka Connect REST API.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { loadConfig, repoRoot, templateVariables, type CdcSource, type StackConfig } from '../../common/src/config.ts';

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
    return /mariadb/i.test(version) ? 'io.debezium.connector.mariadb.MariaDbConnector' : 'io.debezium.connector.mysql.MySqlConnector';
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

/** The variables of one outbox connector (one per MySQL shard, config.cdc.sources). */
export function sourceVariables(source: CdcSource): Record<string, string> {
  return {
    CDC_CONNECTOR_NAME: source.connector,
    CDC_MYSQL_HOST: source.host,
    CDC_MYSQL_PORT: String(source.port),
    CDC_SERVER_ID: String(source.serverId),
    CDC_TOPIC_PREFIX: source.topicPrefix,
    CDC_HISTORY_TOPIC: source.historyTopic,
  };
}

/**
 * Reads connect/*.json; pass extra variables (such as the detected connector class). A
 * file whose name is ${CDC_CONNECTOR_NAME} is the template of the outbox connector:
 * one connector per shard comes out of it.
 */
export function readConnectorFiles(extra: Record<string, string> = {}): ConnectorFile[] {
  const cfg = loadConfig();
  const vars = { ...templateVariables(), KAFKA_BOOTSTRAP: cfg.kafka.brokers.join(','), ...extra };
  return readdirSync(connectDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      const file = path.join(connectDir, f);
      const raw = JSON.parse(readFileSync(file, 'utf8')) as { name: string; config: Record<string, string> };
      const perSource = raw.name === '${CDC_CONNECTOR_NAME}' ? cfg.cdc.sources.map(sourceVariables) : [{}];
      return perSource.map((sv) => {
        const all = { ...vars, ...sv };
        const config = JSON.parse(fillTemplate(JSON.stringify(raw.config), all, f)) as Record<string, string>;
        return { file, name: fillTemplate(raw.name, all, f), config };
      });
    });
}

export { ConnectClient, describeStatus, isRunning, type ConnectorStatus } from '../../common/src/connect-client.ts';
