/**
 * A byte pipe between a TCP port and a unix socket. The demo runs the daemon inside the lab's
 * appliance namespace; a unix socket lives in the filesystem, which both namespaces share, so
 *   in the namespace:  unix-bridge.ts listen-unix SOCK connect-tcp 127.0.0.1:PORT
 *   on the host:       unix-bridge.ts listen-tcp 127.0.0.1:PORT connect-unix SOCK
 * lets a browser on the host reach the UI without giving the namespace any route outside.
 */
import { rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';

const [listenKind, listenAt, connectKind, connectTo] = process.argv.slice(2);
const usage = 'usage: unix-bridge.ts listen-unix|listen-tcp ADDR connect-tcp|connect-unix ADDR';
if (!listenAt || !connectTo) {
  console.error(usage);
  process.exit(2);
}

const hostPort = (spec: string): { host: string; port: number } => {
  const at = spec.lastIndexOf(':');
  return { host: spec.slice(0, at), port: Number(spec.slice(at + 1)) };
};

const dial = (): Socket =>
  connectKind === 'connect-unix'
    ? connect(connectTo)
    : connect(hostPort(connectTo).port, hostPort(connectTo).host);

const server = createServer((client) => {
  const upstream = dial();
  client.pipe(upstream).pipe(client);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
});

if (listenKind === 'listen-unix') {
  rmSync(listenAt, { force: true });
  server.listen(listenAt, () => process.stdout.write('ready\n'));
} else {
  const { host, port } = hostPort(listenAt);
  server.listen(port, host, () => process.stdout.write('ready\n'));
}
const stop = (): void => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
