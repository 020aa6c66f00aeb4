/**
 * The npm `tftp` package (0.1.2) as a test client: the server it ships is not used (see the
 * README), but its client negotiates blksize and windowsize and follows the block number from
 * 65535 to 0, a useful third opinion next to curl and atftp. What it cannot do (read in
 * node_modules/tftp/lib/protocol/reader.js): at a windowsize above 1, take a reordered window
 * (it never sorts one: wrong bytes, then a stall) or recover from a lost block (its timer's short
 * ACK moves the window's start but not its end, so it drops the rest of the file and gives up);
 * relay.test.ts has the details. At windowsize 1 it copes with duplicates and reordering.
 * It also asks for `timeout 3000` (milliseconds, where RFC 2349 means 1-255 seconds; our server
 * ignores it) and a non-standard `rollover 0` (ignored: we roll over to 0 anyway). Its default
 * windowsize is 4, so every call here names one.
 */
// @ts-expect-error: the package ships no types; the one call used is typed below.
import tftp from 'tftp';

interface NpmTftpClient {
  createGetStream(file: string): NodeJS.ReadableStream;
}
const createClient = (tftp as { createClient(o: object): NpmTftpClient }).createClient;

/** Fetch `file` whole into memory with the npm client. */
export const npmTftpGet = (o: {
  /** The server (default loopback). */
  host?: string;
  port: number;
  file: string;
  blockSize: number;
  windowSize: number;
  /**
   * Its re-ACK timer in ms (default 3000). It never answers a repeated block (reader.js drops
   * blocks outside the window), so a lost ACK waits for this timer. It is also sent as the
   * `timeout` option, read by the server as seconds: only a cap on its measured timer.
   */
  timeoutMs?: number;
  /** Timeouts in a row before it gives up (default 3). */
  retries?: number;
}): Promise<Buffer> => {
  const client = createClient({
    host: o.host ?? '127.0.0.1',
    port: o.port,
    blockSize: o.blockSize,
    windowSize: o.windowSize,
    ...(o.timeoutMs ? { timeout: o.timeoutMs } : {}),
    ...(o.retries ? { retries: o.retries } : {}),
  });
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const stream = client.createGetStream(o.file);
    stream.on('data', (d: Buffer) => parts.push(d));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
  });
};
