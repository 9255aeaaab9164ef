/** The one input of the lookup page: an order id, or a grant, use or hold id. Goes to #/find/<id>. */
import { GoToForm } from '../components/GoToForm.tsx';
import { findHref } from '../hooks/useHashRoute.ts';
import { checkLookupId } from '../validation.ts';

export const FindForm = ({ current }: { current: string | null }) => (
  <GoToForm
    current={current}
    name="Find an order, grant, use or hold"
    inputId="find-id"
    label="Order, grant, use or hold id"
    hint="An order id (up to 100 characters: letters, digits, _ . : -), or the UUID of a grant, a use or a hold."
    button="Find"
    check={checkLookupId}
    href={(id) => findHref(id)}
  />
);
