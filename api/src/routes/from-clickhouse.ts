/**
 * A ClickHouse read of a route (analytics, admin search) as the API answers its failure:
 * an AppError as it is, a RangeError of the query's arguments 400 VALIDATION_FAILED, and
 * anything else (ClickHouse down, a query that fails) 503 UNAVAILABLE.
 */
import { AppError } from '../http/app-error.ts';

export async function fromClickHouse<T>(what: Promise<T>): Promise<T> {
  try {
    return await what;
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (e instanceof RangeError) throw new AppError('VALIDATION_FAILED', e.message, [{ field: 'querystring', message: e.message }]);
    throw new AppError('UNAVAILABLE', 'the analytics model (ClickHouse) is not available; try again');
  }
}
