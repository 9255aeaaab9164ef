/** Terms and their values, as a definition list (`.facts`); a value may carry a data-testid. */
import type { ReactNode } from 'react';

export type Fact = [term: string, value: ReactNode, testId?: string];

export function Facts({ items }: { items: Fact[] }) {
  return (
    <dl className="facts">
      {items.map(([term, value, testId]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd data-testid={testId}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
