import { describe, expect, it } from 'vitest';
import { fillTemplate } from './connectors.ts';

describe('fillTemplate', () => {
  it('fills ${VAR} placeholders and leaves other text alone', () => {
    expect(fillTemplate('{"a":"${A}","b":"x-${B}-y","c":"$C"}', { A: '1', B: 'two' }, 't.json')).toBe('{"a":"1","b":"x-two-y","c":"$C"}');
  });

  it('names the file and the variable that is missing', () => {
    expect(() => fillTemplate('${NOPE}', {}, 'points-outbox.json')).toThrow('points-outbox.json: ${NOPE} is not set');
  });
});
