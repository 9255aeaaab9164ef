/** The submit button of a command form: disabled while the command is on its way. */
export const SubmitButton = ({ sending, children }: { sending: boolean; children: string }) => (
  <button type="submit" className="button button-primary" disabled={sending} aria-busy={sending || undefined}>
    {sending ? 'Sending…' : children}
  </button>
);
