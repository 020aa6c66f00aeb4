/**
 * The reference console's page: one table of every site, refreshed by the browser as often as the
 * console pulls. Read-only, no cookies, no forms; /sites.json serves the same rows.
 */
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { hostCheck } from '../../web/middleware/host-check.js';
import type { ConsoleRow } from './console-pull.js';

const Row = (props: { r: ConsoleRow }) => {
  const { r } = props;
  const n = (v: number | null, suffix = '') => (v === null ? '–' : `${v}${suffix}`);
  return (
    <tr>
      <td>
        <a href={r.url} rel="noreferrer noopener">
          {r.site}
        </a>
      </td>
      <td class="num">{n(r.compliancePercent, ' %')}</td>
      <td class="num">{n(r.hostsAtRisk)}</td>
      <td class="num">{n(r.failedDeployments)}</td>
      <td>
        {r.lastContact ? (
          <time datetime={r.lastContact}>{r.lastContact.slice(0, 16).replace('T', ' ')} UTC</time>
        ) : (
          'never'
        )}
      </td>
      <td>{r.error ? `stale: ${r.error}` : r.problems ? `${r.problems} problem(s) on the site` : 'ok'}</td>
    </tr>
  );
};

const STYLE = `body{font:15px system-ui,sans-serif;margin:1.5rem;color:#1b1f24}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d9dde3}td.num,th.num{text-align:right}
.wrap{overflow-x:auto}`;

/**
 * `allowedHosts`: names besides IP literals, localhost and this machine's name that the page answers
 * to. Any other Host is refused (421), so a web page whose name re-resolves to the console (DNS
 * rebinding) cannot read every site's name, address and standing from /sites.json.
 */
export const consoleApp = (
  rows: () => ConsoleRow[],
  intervalSec: number,
  allowedHosts: readonly string[] = [],
) => {
  const app = new Hono();
  app.use(hostCheck(allowedHosts, 'give the name with --allowed-hosts'));
  app.use(
    '*',
    secureHeaders({ contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"] } }),
  );
  app.get('/', (c) =>
    c.html(
      `<!doctype html>${(
        (
          <html lang="en">
            <head>
              <meta charset="utf-8" />
              <meta name="viewport" content="width=device-width, initial-scale=1" />
              <meta http-equiv="refresh" content={String(intervalSec)} />
              <title>Patch Depot console</title>
              <style>{STYLE}</style>
            </head>
            <body>
              <main>
                <h1>Sites</h1>
                <div class="wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Site</th>
                        <th scope="col" class="num">
                          Compliance
                        </th>
                        <th scope="col" class="num">
                          At risk
                        </th>
                        <th scope="col" class="num">
                          Failed deployments
                        </th>
                        <th scope="col">Last contact</th>
                        <th scope="col">Status</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows().map((r) => (
                        <Row r={r} />
                      ))}
                    </tbody>
                  </table>
                </div>
                <p>
                  {`Pulled every ${intervalSec} s. Rows as JSON: `}
                  <a href="/sites.json">/sites.json</a>
                </p>
              </main>
            </body>
          </html>
        )
      ).toString()}`,
    ),
  );
  app.get('/sites.json', (c) => c.json(rows()));
  app.notFound((c) => c.text('not found\n', 404));
  return app;
};
