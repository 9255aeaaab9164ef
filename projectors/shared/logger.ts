/** JSON-lines logger of the projector processes (stdout, which the stack writes to its log). */
import pino, { type Logger } from 'pino';

export function projectorLogger(name: string, level: string): Logger {
  return pino({ name: `projector-${name}`, level });
}
