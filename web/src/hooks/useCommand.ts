/**
 * Sends a command with an Idempotency-Key. Each submission gets a fresh key, except
 * a resubmission of the very same command after a network error or a 503: that one
 * reuses the key, so the ledger applies the command at most once.
 */
import { useCallback, useRef, useState } from 'react';
import { sendCommand, type Command } from '../api/endpoints.ts';
import { toApiError, type ApiError } from '../api/errors.ts';

export type CommandState<R> =
  | { status: 'idle' }
  | { status: 'sending'; reusedKey: boolean }
  | { status: 'done'; reply: R; replayed?: boolean }
  | { status: 'failed'; error: ApiError };

interface LastAttempt {
  fingerprint: string;
  key: string;
  retryable: boolean;
}

export const newIdempotencyKey = () => crypto.randomUUID();

export function useCommand<R>() {
  const last = useRef<LastAttempt | null>(null);
  const [state, setState] = useState<CommandState<R>>({ status: 'idle' });

  const submit = useCallback(async (command: Command<R>): Promise<R | null> => {
    const fingerprint = JSON.stringify([command.path, command.body]);
    const prev = last.current;
    // biome-ignore lint/complexity/useOptionalChain: a boolean is needed here, not undefined
    const reuse = prev !== null && prev.retryable && prev.fingerprint === fingerprint;
    const key = reuse ? prev.key : newIdempotencyKey();
    last.current = { fingerprint, key, retryable: false };
    setState({ status: 'sending', reusedKey: reuse });
    try {
      const reply = await sendCommand(command, key);
      setState({ status: 'done', reply });
      return reply;
    } catch (e) {
      const error = toApiError(e);
      last.current = { fingerprint, key, retryable: error.retryable };
      setState({ status: 'failed', error });
      return null;
    }
  }, []);

  const reset = useCallback(() => setState({ status: 'idle' }), []);
  return { state, submit, reset };
}
