/** The version in package.json, from a checkout or from the built dist/ tree. */
import { readFileSync } from 'node:fs';

export const packageVersion = (): string => {
  // dist/daemon/app.js and daemon/app.ts are both two levels below package.json.
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // try the next layout
    }
  }
  return 'unknown';
};
