/**
 * POSIX single-quote quoting for one value inside a remote command line. Every command the
 * appliance sends is a string a shell on the host parses, so anything that came from data (a
 * path, a package name, a script) goes through this.
 */
export const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;
