/** Raw sockets from a chosen loopback source address, for the per-client connection caps. */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

/** An open, idle connection from `localAddress` (127.0.0.x): held until the caller destroys it. */
export const idle = async (port: number, localAddress: string): Promise<Socket> => {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
};

/** A GET from `localAddress`: the raw answer, empty when the server closed without one. */
export const getFrom = async (port: number, localAddress: string, url: string): Promise<string> => {
  const socket = await idle(port, localAddress);
  const parts: Buffer[] = [];
  socket.on('data', (d: Buffer) => parts.push(d));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write(`GET ${url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  await closed;
  return Buffer.concat(parts).toString('latin1');
};
