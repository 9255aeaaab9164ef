/**
 * A labelled filter input with its hint and error wired up for screen readers: TextField
 * without the "(optional)" mark (every filter is optional), autocomplete off.
 */
import { TextField, type TextFieldProps } from '../components/TextField.tsx';

type Props = Pick<TextFieldProps, 'id' | 'label' | 'value' | 'onChange' | 'error' | 'hint' | 'inputMode' | 'required'> & {
  type?: 'text' | 'date' | 'datetime-local' | 'month';
};

export const FilterField = (p: Props) => <TextField {...p} markOptional={false} />;
