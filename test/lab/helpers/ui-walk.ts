/**
 * Runs inside the lab's appliance namespace (the test process cannot reach it from outside):
 * walks the real daemon's UI like a technician (first-run setup, add a scope, scan now, watch the
 * progress until the table is told to reload, read the Assets page) and prints a JSON summary.
 */
import { setupCodeOf } from '../../support/setup-code.js';

const [base = '', scope = '', exclude = '', dataDir = ''] = process.argv.slice(2);
const cookies = new Map<string, string>();

const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
  const headers = new Headers(init.headers);
  if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
  const res = await fetch(`${base}${path}`, { ...init, headers, redirect: 'manual' });
  for (const line of res.headers.getSetCookie()) {
    const [name, value] = line.split(';')[0]!.split('=') as [string, string];
    cookies.set(name, value);
  }
  return res;
};
const csrfOf = (html: string): string => html.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? '';
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });

const setupToken = csrfOf(await (await request('/setup')).text());
const pw = 'a long enough passphrase';
const code = await setupCodeOf(dataDir);
const setup = await post('/setup', { _csrf: setupToken, code, password: pw, confirm: pw });
const token = csrfOf(await (await request('/settings/scopes')).text());
const saved = await post('/settings/scopes', {
  _csrf: token,
  name: 'Lab',
  include: scope,
  exclude,
  everyMinutes: '',
});
const assetsPage = await (await request('/assets')).text();
const scopeId = assetsPage.match(/<option value="(scope-[^"]+)"/)?.[1] ?? '';
const started = await (
  await post('/discovery/scans', { _csrf: token, scopeId }, { 'hx-request': 'true' })
).text();
const watch = started.match(/watch=([^"]+)"/)?.[1] ?? '';
let reloadTold = false;
let panel = '';
const deadline = Date.now() + 60_000;
while (!reloadTold && Date.now() < deadline) {
  const res = await request(`/discovery/scan-panel?watch=${watch}`, { headers: { 'hx-request': 'true' } });
  reloadTold = res.headers.get('hx-trigger') === 'assets-changed';
  panel = await res.text();
  if (!reloadTold) await new Promise((r) => setTimeout(r, 200)); // polling, as the browser does
}
const table = await (
  await request('/assets/table?pageSize=100', { headers: { 'hx-request': 'true' } })
).text();
// Each row links to its machine's host page and shows its MAC.
const rows = [
  ...table.matchAll(
    /<a href="(\/hosts\/[^"]+)">([\d.]+)<\/a><\/td><td>[^<]*<\/td><td><code>([^<]+)<\/code>/g,
  ),
].map((m) => ({ href: m[1], ip: m[2], mac: m[3] }));
const printerHref = rows.find((r) => r.mac?.startsWith('00:1b:a9'))?.href;
const printer = printerHref ? await (await request(printerHref)).text() : '';
process.stdout.write(
  `${JSON.stringify({
    setup: setup.status,
    scopeSaved: saved.status,
    scanStarted: Boolean(watch),
    reloadTold,
    panel: panel.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' '),
    rows,
    printerHasVendor: /Brother/.test(printer),
    printerHasMdnsName: /brother-hl\.local/.test(printer),
    printerNotOfferedSsh:
      /Not managed over SSH: a printer/.test(printer) && !/Manage this machine/.test(printer),
  })}\n`,
);
