/**
 * docker-compose.yml and docker-compose.cluster.yml cannot be run here (no Docker engine),
 * so what can be checked without one is checked on their text: every variable they read
 * is in .env.example (or set in the file), every file they mount exists, the cluster file
 * uses the same images as the single one, and it has every instance of the cluster
 * topology, as many as .env.example's lists name, with every one-shot job waited for.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../common/src/config.ts';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const single = read('docker-compose.yml');
const cluster = read('docker-compose.cluster.yml');
const composeFiles = { 'docker-compose.yml': single, 'docker-compose.cluster.yml': cluster };

const example = new Map(
  read('.env.example')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')]),
);
const listLength = (name: string) => (example.get(name) ?? '').split(',').filter(Boolean).length;

/** The services of a compose file: name -> its block of text (two-space indented names under services:). */
function services(text: string): Map<string, string> {
  const body = text.slice(text.indexOf('\nservices:\n'), text.indexOf('\nvolumes:\n'));
  const out = new Map<string, string>();
  for (const part of body.split(/\n(?= {2}[a-z0-9-]+:\n)/).slice(1)) out.set(/^ {2}([a-z0-9-]+):/.exec(part)![1]!, part);
  return out;
}

/** A service's block with the text of every x-... anchor it merges (`*name`), recursively. */
function expanded(text: string, block: string, seen = new Set<string>()): string {
  let out = block;
  for (const [, anchor] of block.matchAll(/\*([a-z-]+)/g)) {
    if (seen.has(anchor!)) continue;
    seen.add(anchor!);
    const def = new RegExp(`^x-[a-z-]+: &${anchor}\\n((?: .*\\n|\\n)*)`, 'm').exec(text);
    if (def) out += `\n${expanded(text, def[1]!, seen)}`;
  }
  return out;
}

const images = (text: string) => new Map([...text.matchAll(/^\s*image: ([^\s:]+):(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));

describe('compose files', () => {
  it.each(Object.entries(composeFiles))('%s reads only variables of .env.example or set in the file', (_, text) => {
    const setInFile = new Set([...text.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!));
    const used = new Set([...text.matchAll(/\$\$?\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(3);
    expect([...used].filter((v) => !example.has(v) && !setInFile.has(v))).toEqual([]);
  });

  it.each(Object.entries(composeFiles))('%s mounts and extends only files that exist', (_, text) => {
    const files = [...text.matchAll(/["\s]\.\/([^:"\s]+):\//g), ...text.matchAll(/extends: \{ file: ([^\s,}]+)/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !existsSync(path.join(repoRoot, f)))).toEqual([]);
  });

  it('the cluster file uses the images of the single one, plus HAProxy 2', () => {
    const singleImages = images(single);
    const clusterImages = images(cluster);
    // mysql comes from docker-compose.yml itself (extends); the ClickHouse shards use its image.
    for (const s of ['mysql']) expect(services(cluster).get(s)).toContain(`extends: { file: docker-compose.yml, service: ${s} }`);
    for (const [image, tag] of clusterImages) {
      if (image === 'haproxy') expect(tag).toMatch(/^2\.\d+$/);
      else expect({ image, tag }).toEqual({ image, tag: singleImages.get(image) });
    }
    const extended = new Set(['mysql']);
    expect([...singleImages.keys()].filter((i) => !clusterImages.has(i) && !extended.has(i))).toEqual([]);
  });

  it('the cluster file has every instance of the cluster topology, as many as .env.example lists', () => {
    const names = [...services(cluster).keys()];
    const instances = (prefix: string) => names.filter((n) => new RegExp(`^${prefix}-\\d+$`).test(n)).length;
    expect(instances('kafka')).toBe(listLength('KAFKA_CLUSTER_PORTS'));
    expect(instances('connect')).toBe(listLength('CONNECT_WORKER_PORTS'));
    expect(instances('schema-registry')).toBe(listLength('REGISTRY_INSTANCE_PORTS'));
    expect(instances('redis')).toBe(listLength('REDIS_CLUSTER_PORTS'));
    expect(instances('api')).toBe(listLength('API_INSTANCE_PORTS'));
    // The write model's shards: mysql (shard 1) and mysql-2.. (ADR 0011).
    expect(1 + instances('mysql')).toBe(listLength('MYSQL_SHARD_PORTS'));
    expect(instances('clickhouse')).toBe(listLength('CLICKHOUSE_CLUSTER_HTTP_PORTS'));
    expect(instances('projector-redis')).toBe(Number(example.get('PROJECTOR_INSTANCES')));
    expect(instances('projector-clickhouse')).toBe(Number(example.get('PROJECTOR_INSTANCES')));
    expect(names).toEqual(expect.arrayContaining(['haproxy', 'mysql', 'topics', 'migrate', 'connectors', 'redis-cluster-init']));
  });

  it('the ClickHouse shards: one per server of .env.example, each in remote_servers with its own data, the same files as the single server', () => {
    const servers = listLength('CLICKHOUSE_CLUSTER_HTTP_PORTS');
    expect(listLength('CLICKHOUSE_CLUSTER_TCP_PORTS')).toBe(servers);
    expect(listLength('CLICKHOUSE_CLUSTER_INTERSERVER_PORTS')).toBe(servers);
    // The first server is the entry, on the single server's ports.
    expect(example.get('CLICKHOUSE_CLUSTER_HTTP_PORTS')!.split(',')[0]).toBe(example.get('CLICKHOUSE_HTTP_PORT'));
    expect(example.get('CLICKHOUSE_CLUSTER_TCP_PORTS')!.split(',')[0]).toBe(example.get('CLICKHOUSE_TCP_PORT'));
    const xml = read('infra/compose/clickhouse-cluster.xml');
    const clusterName = example.get('CLICKHOUSE_CLUSTER_NAME')!;
    expect(xml).toContain(`<${clusterName}>`);
    expect(xml.match(/<shard>/g)).toHaveLength(servers);
    for (let i = 1; i <= servers; i++) expect(xml).toContain(`from_env="CLICKHOUSE_SHARD_TCP_PORT_${i}"`);
    expect(xml).toContain(`<user>${example.get('CLICKHOUSE_WRITER_USER')}</user>`);
    const shards = [...services(cluster)].filter(([n]) => /^clickhouse-\d+$/.test(n));
    const volumes = new Set<string>();
    for (const [name, block] of shards) {
      const text = expanded(cluster, block);
      expect(text).toContain('clickhouse/clickhouse-server:');
      const volume = /"(clickhouse-\d+-data):\/var\/lib\/clickhouse"/.exec(block)?.[1];
      expect(volume, name).toBe(`${name}-data`);
      volumes.add(volume!);
      for (const anchor of ['*clickhouse-config', '*clickhouse-cluster', '*clickhouse-users']) expect(block, name).toContain(anchor);
    }
    expect(volumes.size).toBe(servers);
    // Both projectors wait for every shard.
    for (const [name, block] of services(cluster)) {
      if (!name.startsWith('projector-clickhouse-')) continue;
      for (const s of shards) expect(block).toContain(`${s[0]}: { condition: service_healthy }`);
    }
  });

  it('each instance runs as its own number, and each Node instance is named after its service', () => {
    for (const [name, block] of services(cluster)) {
      const run = /cluster-node\.sh", "run", "[a-z]+", "(\d+)"/.exec(block);
      if (run && name !== 'haproxy') expect({ name, n: run[1] }).toEqual({ name, n: /-(\d+)$/.exec(name)?.[1] });
      if (/^(api|projector-[a-z]+)-\d+$/.test(name)) {
        expect(block).toContain(`INSTANCE_NAME: ${name} `);
        expect(expanded(cluster, block)).toContain('STACK_TOPOLOGY: cluster');
      }
    }
  });

  it('every one-shot job is waited for by a service that stays up (so `up --wait` can end)', () => {
    const all = [...services(cluster)].map(([name, block]) => ({ name, text: expanded(cluster, block) }));
    const jobs = all.filter((s) => s.text.includes('restart: "no"')).map((s) => s.name);
    expect(jobs.sort()).toEqual(['connectors', 'migrate', 'redis-cluster-init', 'topics']);
    const waitedFor = (job: string) => all.some((s) => !jobs.includes(s.name) && s.text.includes(`${job}: { condition: service_completed_successfully }`));
    expect(jobs.filter((j) => !waitedFor(j))).toEqual([]);
  });

  it("HAProxy's configuration names only .env.example's variables and the instance ports cluster-node.sh exports from its lists", () => {
    const cfg = read('infra/compose/haproxy.cfg');
    const used = [...cfg.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1]!);
    const known = (v: string) => {
      if (example.has(v)) return true;
      const m = /^([A-Z_]+)_(\d+)$/.exec(v);
      return m !== null && Number(m[2]) <= listLength(`${m[1]}S`);
    };
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((v) => !known(v))).toEqual([]);
  });
});
