/** Look a user up by id: goes to #/customer/<id>. */
import { GoToForm } from '../components/GoToForm.tsx';
import { customerHref } from '../hooks/useHashRoute.ts';
import { checkUserId } from '../validation.ts';

export const LookupForm = ({ current }: { current: string | null }) => (
  <GoToForm
    current={current}
    name="Look a user up"
    inputId="lookup-user"
    label="User id"
    hint="1–64 characters: letters, digits, _ . : -"
    button="Look up"
    check={checkUserId}
    href={customerHref}
  />
);
