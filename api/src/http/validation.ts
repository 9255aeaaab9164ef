/**
 * Validation: bodies are checked strictly (no type coercion, no unknown fields:
 * "100" is not an amount), path and query strings are coerced to their types.
 */
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(opts: Options): Ajv {
  const ajv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, strict: false, ...opts });
  addFormats(ajv);
  return ajv;
}

const strict = makeAjv({ coerceTypes: false });
const coercing = makeAjv({ coerceTypes: true });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;

export interface FieldProblem {
  field: string;
  message: string;
}

/** Ajv errors as {field, message}, the field named by its place in the request. */
export function fieldProblems(
  validation: { instancePath: string; message?: string; params?: Record<string, unknown>; keyword: string }[],
  context: string,
): FieldProblem[] {
  return validation.map((v) => {
    const base = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const extra = (v.params?.missingProperty ?? v.params?.additionalProperty) as string | undefined;
    const field = [context, base, extra].filter(Boolean).join('.');
    const message = v.keyword === 'additionalProperties' ? 'is not a known field' : (v.message ?? 'is invalid');
    return { field, message };
  });
}
