/** The Debian tracker fixture served on a loopback port for as long as the test runs. */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/**
 * Its URL, ready for a feed's `url`. `extra` adds source packages to the fixture's (a test's own
 * advisory, say for a package the machine under test has installed).
 */
export const serveTrackerFixture = async (t: TestContext, extra: object = {}): Promise<string> => {
  const fixture = await readFile(new URL('../fixtures/catalog/debian-tracker.json', import.meta.url), 'utf8');
  const body = JSON.stringify({ ...JSON.parse(fixture), ...extra });
  const server = createServer((_req, res) => res.end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tracker.json`;
};
