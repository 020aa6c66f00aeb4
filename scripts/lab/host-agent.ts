/**
 * Runs inside one lab host's namespace (`ip netns exec`): real TCP listeners (with an SSH-style
 * greeting or an HTTP answer) and an mDNS responder advertising DNS-SD services. Prints "ready"
 * once everything listens, then stays until SIGTERM. Config: one JSON argument.
 */
import { createServer, type Server } from 'node:net';
import { Bonjour } from 'bonjour-service';
import type { MdnsServiceSpec, TcpPortSpec } from './spec.js';

interface AgentConfig {
  tcp: TcpPortSpec[];
  mdnsHostname?: string;
  services: MdnsServiceSpec[];
}

const config = JSON.parse(process.argv[2] ?? '{}') as AgentConfig;

const listen = (spec: TcpPortSpec): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on('error', () => socket.destroy());
      if (spec.banner !== undefined) {
        socket.write(`${spec.banner}\r\n`);
        socket.setTimeout(5000, () => socket.destroy());
        return;
      }
      if (spec.httpServer !== undefined) {
        socket.once('data', () => {
          const body = '<html><title>lab</title></html>';
          socket.end(
            `HTTP/1.1 200 OK\r\nServer: ${spec.httpServer}\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
          );
        });
        socket.setTimeout(5000, () => socket.destroy());
        return;
      }
      socket.end();
    });
    server.once('error', reject);
    server.listen(spec.port, '0.0.0.0', () => resolve(server));
  });

const main = async (): Promise<void> => {
  const servers = await Promise.all(config.tcp.map(listen));
  const bonjour = config.services.length ? new Bonjour({}, (err: unknown) => console.error(err)) : undefined;
  for (const s of config.services) {
    bonjour?.publish({
      name: s.name,
      type: s.type,
      protocol: s.protocol ?? 'tcp',
      port: s.port,
      ...(config.mdnsHostname ? { host: `${config.mdnsHostname}.local` } : {}),
      ...(s.txt ? { txt: s.txt } : {}),
      probe: false,
      disableIPv6: true,
    });
  }
  const stop = (): void => {
    for (const s of servers) s.close();
    if (bonjour) bonjour.unpublishAll(() => bonjour.destroy());
    setTimeout(() => process.exit(0), 300).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write('ready\n');
};

main().catch((err: unknown) => {
  console.error(`host-agent: ${(err as Error).message}`);
  process.exit(1);
});
