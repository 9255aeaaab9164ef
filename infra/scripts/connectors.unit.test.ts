import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectDir, fillTemplate } from './connectors.ts';

describe('fillTemplate', () => {
  it('fills ${VAR} placeholders and leaves other text alone', () => {
    expect(fillTemplate('{"a":"${A}","b":"x-${B}-y","c":"$C"}', { A: '1', B: 'two' }, 't.json')).toBe('{"a":"1","b":"x-two-y","c":"$C"}');
  });

  it('names the file and the variable that is missing', () => {
    expect(() => fillTemplate('${NOPE}', {}, 'points-outbox.json')).toThrow('points-outbox.json: ${NOPE} is not set');
  });

  it("leaves Debezium's own ${routedByValue} (not upper case) for the connector to fill", () => {
    expect(fillTemplate('{"r":"${routedByValue}","t":"${POINTS_TOPIC}"}', { POINTS_TOPIC: 'points.events' }, 't.json')).toBe(
      '{"r":"${routedByValue}","t":"points.events"}',
    );
  });
});

describe('the outbox connector template', () => {
  const raw = readFileSync(path.join(connectDir, 'points-outbox.json'), 'utf8');
  // Every upper-case placeholder of the file, filled with a value of its own name.
  const vars = Object.fromEntries([...raw.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map(([, name]) => [name!, `<${name}>`]));
  const config = (JSON.parse(fillTemplate(raw, vars, 'points-outbox.json')) as { config: Record<string, string> }).config;

  it('routes each outbox row to the topic its aggregatetype names (points.events, points.notices), not to one fixed topic', () => {
    expect(config['transforms.outbox.type']).toBe('io.debezium.transforms.outbox.EventRouter');
    expect(config['transforms.outbox.route.by.field']).toBe('aggregatetype');
    expect(config['transforms.outbox.route.topic.replacement']).toBe('${routedByValue}');
    // The router's regex is its default, (?<routedByValue>.*): the whole value is the topic.
    expect(config['transforms.outbox.route.topic.regex']).toBeUndefined();
    expect(Object.values(config)).not.toContain('<POINTS_TOPIC>');
  });

  it('keys every message by aggregateid (the userId) and passes the payload bytes through', () => {
    expect(config['transforms.outbox.table.field.event.key']).toBe('aggregateid');
    expect(config['key.converter']).toBe('org.apache.kafka.connect.storage.StringConverter');
    expect(config['value.converter']).toBe('io.debezium.converters.BinaryDataConverter');
  });
});
