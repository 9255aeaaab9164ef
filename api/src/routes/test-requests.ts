/**
 * Test support for the routes' unit tests (admin-search, analytics): a GET through
 * app.inject() with its JSON body, and the check that the API refused one (400
 * VALIDATION_FAILED) naming a field.
 */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

export interface JsonAnswer {
  status: number;
  body: { error?: { code: string; details: { field: string }[] } } & Record<string, unknown>;
}

export async function getJson(app: FastifyInstance, url: string): Promise<JsonAnswer> {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() as JsonAnswer['body'] };
}

export async function expectRefused(app: FastifyInstance, url: string, field: string): Promise<void> {
  const { status, body } = await getJson(app, url);
  expect(status, url).toBe(400);
  expect(body.error?.code, url).toBe('VALIDATION_FAILED');
  expect(
    body.error?.details.map((d) => d.field),
    url,
  ).toContain(field);
}
