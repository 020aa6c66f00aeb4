/** Account names: what a person types at sign-in, and what the audit log shows. */
import { DepotError } from '../errors.js';

/** The first account's name unless setup chooses another; an empty sign-in name means it. */
export const DEFAULT_ADMIN = 'admin';

const NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** The name, lower-cased and checked: 1 to 32 of a-z 0-9 . _ -, starting with a letter or digit. */
export const checkUserName = (raw: string): string => {
  const name = raw.trim().toLowerCase();
  if (!NAME.test(name)) {
    throw new DepotError(
      'BAD_INPUT',
      'an account name is 1 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit',
    );
  }
  return name;
};
