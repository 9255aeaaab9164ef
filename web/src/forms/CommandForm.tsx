/**
 * What every command form shares: its checks' and the API's field problems on the right
 * field (focus on the first one), and its frame: title, fields, submit button, outcome.
 */
import { useRef, useState, type ReactNode, type RefObject } from 'react';
import type { Command } from '../api/endpoints.ts';
import { type CommandState, useCommand } from '../hooks/useCommand.ts';
import { collect, type Errors } from '../validation.ts';
import { CommandOutcome } from './CommandOutcome.tsx';
import { apiFieldErrors, focusFirstInvalid } from './form-helpers.ts';
import { SubmitButton } from './SubmitButton.tsx';

export function useCommandForm<R extends { seq: number }, K extends string>(fields: readonly K[]) {
  const [errors, setErrors] = useState<Errors<K>>({});
  const form = useRef<HTMLFormElement>(null);
  const { state, submit } = useCommand<R>();
  const shown: Errors<K> = { ...apiFieldErrors(state, fields), ...errors };
  /** Shows what the checks found; false, with focus on the first invalid field, when anything did not pass. */
  const passes = (checks: Record<K, string | null>): boolean => {
    const found = collect<K>(checks);
    setErrors(found);
    if (Object.keys(found).length === 0) return true;
    focusFirstInvalid(form.current);
    return false;
  };
  /** Sends the command; once the ledger has it, empties the given fields and hands its seq on. */
  const send = async (command: Command<R>, clear: ((value: string) => void)[], onCommitted: (seq: number) => void): Promise<void> => {
    const reply = await submit(command);
    if (!reply) return;
    for (const set of clear) set('');
    onCommitted(reply.seq);
  };
  return { form, state, shown, passes, send };
}

interface Props<R> {
  /** The title's id is `${name}-title`. */
  name: string;
  title: ReactNode;
  form: RefObject<HTMLFormElement | null>;
  state: CommandState<R>;
  onSubmit: () => Promise<void>;
  /** A problem with the page's user id, which is not a field of the form. */
  userError?: string | undefined;
  submitLabel: string;
  done: (reply: R) => string;
  /** The fields. */
  children: ReactNode;
  /** Below the outcome. */
  after?: ReactNode;
}

export function CommandForm<R>({ name, title, form, state, onSubmit, userError, submitLabel, done, children, after }: Props<R>) {
  const titleId = `${name}-title`;
  return (
    <form
      ref={form}
      onSubmit={(e) => {
        e.preventDefault();
        void onSubmit();
      }}
      noValidate
      aria-labelledby={titleId}
      className="command-form"
    >
      <h3 id={titleId}>{title}</h3>
      {userError && <p className="field-error">{userError}</p>}
      <div className="form-grid">{children}</div>
      <SubmitButton sending={state.status === 'sending'}>{submitLabel}</SubmitButton>
      <CommandOutcome state={state} done={done} />
      {after}
    </form>
  );
}
