/**
 * Answering on a raw socket the HTTP server has handed over (a refused CONNECT) or given up on (a
 * request it could not parse): one complete response with `Connection: close`, then a half-close.
 * Whatever the client still sends is read and dropped so its close is seen; a client that never
 * closes is destroyed after a grace period, so it cannot keep the socket and its buffers.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export const replyAndClose = (socket: Duplex, status: number, text: string, graceMs: number): void => {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      'X-Content-Type-Options: nosniff\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
  socket.resume();
};
