/** Test support: user ids of this run. */
import { randomUUID } from 'node:crypto';

/** A user id no other test run uses. */
export function testUser(prefix = 'u'): string {
  return `${prefix}-${randomUUID().slice(0, 13)}`;
}
