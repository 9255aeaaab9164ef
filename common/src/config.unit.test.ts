import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from './config.ts';

const complete: Record<string, string> = {
  MYSQL_PORT: '13306',
  MYSQL_APP_USER: 'app', MYSQL_APP_PASSWORD: 'a',
  MYSQL_MIGRATOR_USER: 'mig', MYSQL_MIGRATOR_PASSWORD: 'm',
  MYSQL_CDC_USER: 'cdc', MYSQL_CDC_PASSWORD: 'c',
  KAFKA_PORT: '19092',
  CONNECT_PORT: '18083',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7/',
  REDIS_PORT: '16379',
  CLICKHOUSE_HTTP_PORT: '18123',
  CLICKHOUSE_WRITER_USER: 'w', CLICKHOUSE_WRITER_PASSWORD: 'wp',
  CLICKHOUSE_ANALYST_USER: 'an', CLICKHOUSE_ANALYST_PASSWORD: 'ap',
};

describe('readConfig', () => {
  it('builds a typed configuration with defaults', () => {
    const c = readConfig(complete);
    expect(c.mysql).toMatchObject({ host: '127.0.0.1', port: 13306, database: 'points' });
    expect(c.kafka).toEqual({ brokers: ['127.0.0.1:19092'], pointsTopic: 'points.events', pointsTopicPartitions: 6, dlqTopic: 'points.events.dlq' });
    expect(c.connect.url).toBe('http://127.0.0.1:18083');
    expect(c.registry.url).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
    expect(c.clickhouse.url).toBe('http://127.0.0.1:18123');
  });

  it('names every problem at once', () => {
    const env = { ...complete, MYSQL_PORT: '70000', KAFKA_PORT: 'abc', MYSQL_APP_PASSWORD: '__GENERATE__', SCHEMA_REGISTRY_URL: 'ftp://x' };
    delete (env as Record<string, string | undefined>).REDIS_PORT;
    let error: unknown;
    try { readConfig(env); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(expect.arrayContaining([
      'MYSQL_PORT must be an integer from 1 to 65535, got "70000"',
      'KAFKA_PORT must be an integer from 1 to 65535, got "abc"',
      'MYSQL_APP_PASSWORD still holds the placeholder __GENERATE__',
      'SCHEMA_REGISTRY_URL must be an http(s) URL, got "ftp://x"',
      'REDIS_PORT is required',
    ]));
    expect(problems).toHaveLength(5);
  });
});
