/** Small state lines: loading, empty. */
import type { ReactNode } from 'react';

export const Loading = ({ what = 'Loading…' }: { what?: string }) => (
  <p className="loading" role="status">
    <span className="spinner" aria-hidden="true" />
    {what}
  </p>
);

export const Empty = ({ children }: { children: ReactNode }) => <p className="empty">{children}</p>;
