/** Form fields for accounts: a new password (with the policy's minimum) and an account name. */
import { MIN_PASSWORD_LENGTH } from '../../daemon/auth/password.js';

export const NewPasswordField = (props: { label: string; name: string }) => (
  <label>
    {props.label}
    <input
      type="password"
      name={props.name}
      autocomplete="new-password"
      minlength={MIN_PASSWORD_LENGTH}
      required
    />
  </label>
);

export const AccountNameField = (props: { label: string; value?: string }) => (
  <label>
    {props.label}
    <input
      type="text"
      name="name"
      value={props.value}
      maxlength={32}
      autocomplete="username"
      autocapitalize="none"
      spellcheck={false}
    />
  </label>
);

/** The one-time setup code (first-run setup, or a restore before it). */
export const SetupCodeField = (props: { autofocus?: boolean }) => (
  <label>
    Setup code
    <input
      type="text"
      name="code"
      autocomplete="off"
      autocapitalize="characters"
      spellcheck={false}
      placeholder="XXXX-XXXX-XXXX"
      required
      autofocus={props.autofocus}
    />
  </label>
);
