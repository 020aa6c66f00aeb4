/**
 * Runs inside a lab host's namespace: serves one file over HTTP at `/<name>` on the host's lab
 * address (a vendor's feed, as the appliance would fetch it across the LAN) and prints `ready`.
 *   feed-server.ts FILE ADDRESS PORT
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename } from 'node:path';

const [file = '', address = '', port = '8080'] = process.argv.slice(2);
const body = readFileSync(file);
const path = `/${basename(file)}`;
createServer((req, res) => {
  if (req.url !== path) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) }).end(body);
}).listen(Number(port), address, () => process.stdout.write('ready\n'));
