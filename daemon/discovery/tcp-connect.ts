/**
 * TCP connect probes with node:net: open (connected), closed (RST: the host is alive) or silent.
 * Banners: the first line of a greeting service (SSH) or the Server header of an HTTP answer,
 * read with a hard cap on bytes and time.
 */
import { connect, type Socket } from 'node:net';
import type { TcpOutcome, TcpProber } from './ports.js';

const MAX_BANNER_BYTES = 4096;

export class NetTcpProber implements TcpProber {
  connect(ip: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpOutcome> {
    return new Promise((resolve) => {
      const socket = connect({ host: ip, port, signal });
      const done = (outcome: TcpOutcome): void => {
        clearTimeout(timer);
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.destroy();
        resolve(outcome);
      };
      const timer = setTimeout(() => done('silent'), timeoutMs);
      socket.once('connect', () => done('open'));
      socket.once('error', (err: NodeJS.ErrnoException) =>
        done(err.code === 'ECONNREFUSED' ? 'closed' : 'silent'),
      );
    });
  }

  banner(
    ip: string,
    port: number,
    kind: 'greeting' | 'http',
    timeoutMs: number,
  ): Promise<string | undefined> {
    return new Promise((resolve) => {
      const socket: Socket = connect({ host: ip, port });
      let buf = '';
      const done = (value: string | undefined): void => {
        clearTimeout(timer);
        socket.removeAllListeners();
        socket.on('error', () => {});
        socket.destroy();
        resolve(value);
      };
      const timer = setTimeout(() => done(extract()), timeoutMs);
      const extract = (): string | undefined => {
        if (kind === 'greeting') {
          const line = buf.split(/\r?\n/)[0]?.trim();
          return line ? line.slice(0, 200) : undefined;
        }
        const server = /^server:[ \t]*(.+)$/im.exec(buf)?.[1]?.trim();
        return server ? server.slice(0, 200) : undefined;
      };
      socket.once('connect', () => {
        if (kind === 'http')
          socket.write(`HEAD / HTTP/1.0\r\nHost: ${ip}\r\nUser-Agent: patch-depot-discovery\r\n\r\n`);
      });
      socket.on('data', (d: Buffer) => {
        buf += d.toString('latin1');
        const complete = kind === 'greeting' ? buf.includes('\n') : buf.includes('\r\n\r\n');
        if (complete || buf.length > MAX_BANNER_BYTES) done(extract());
      });
      socket.once('end', () => done(extract()));
      socket.once('error', () => done(undefined));
    });
  }
}
