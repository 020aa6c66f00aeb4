/**
 * A TFTP server on loopback over a temp root, for the client and hostile-request tests: the real
 * server, the real file system, real UDP. `events` records what the server reported.
 */
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { systemClock } from '../../../daemon/lifecycle.js';
import { type TftpLimits, TftpServer } from '../../../daemon/tftp/tftp-server.js';
import type { TransferRecord } from '../../../daemon/tftp/transfer-log.js';
import { memoryLogger } from '../../fakes/log.js';
import { tempDir } from '../../temp-dir.js';

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export const DEFAULT_LIMITS: TftpLimits = {
  maxBlksize: 1468,
  maxWindowsize: 64,
  defaultTimeoutMs: 300,
  giveUpMs: 1500,
  maxPerClient: 4,
  maxTransfers: 64,
  errorsPerSecond: 5,
};

export const tftpHarness = async (
  t: TestContext,
  opts: { limits?: Partial<TftpLimits>; allowed?: (address: string) => boolean } = {},
) => {
  const dir = await tempDir(t);
  const root = join(dir, 'root');
  await mkdir(root);
  const finished: TransferRecord[] = [];
  const refused: string[] = [];
  let errorsSent = 0;
  const server = new TftpServer({
    root,
    address: '127.0.0.1',
    port: 0,
    allowed: opts.allowed ?? (() => true),
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    clock: systemClock,
    log: memoryLogger(),
    events: {
      refused: (reason) => refused.push(reason),
      errorSent: () => errorsSent++,
      finished: (r) => finished.push(r),
    },
  });
  await server.start();
  t.after(() => server.stop());
  const put = async (name: string, body: Buffer | string): Promise<void> => {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), body);
  };
  return { dir, root, server, port: server.port, finished, refused, errors: () => errorsSent, put };
};

/** A client socket that keeps every datagram it receives and the port each came from. */
export const udpClient = async (t: TestContext, address = '127.0.0.1') => {
  const socket: Socket = createSocket('udp4');
  const got: Buffer[] = [];
  /** The port each datagram came from: a transfer answers from its own port. */
  const from: number[] = [];
  socket.on('message', (m, rinfo) => {
    got.push(m);
    from.push(rinfo.port);
  });
  await new Promise<void>((r) => socket.bind(0, address, () => r()));
  t.after(() => socket.close());
  const send = (buf: Buffer, port: number) => socket.send(buf, port, '127.0.0.1');
  return { socket, got, from, send };
};
