/** The variable a backup's passphrase may come from (never the command line: `ps` shows that). */
export const BACKUP_PASSPHRASE_ENV = 'PATCH_DEPOT_BACKUP_PASSPHRASE';
