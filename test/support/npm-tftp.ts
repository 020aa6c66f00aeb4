/**
 * The npm `tftp` package (0.1.2) as a test client: the server it ships is not used (see the
 * README), but its client negotiates blksize, windowsize and rollover, a useful third opinion
 * next to curl and atftp.
 */
// @ts-expect-error: the package ships no types; the one call used is typed below.
import tftp from 'tftp';

interface NpmTftpClient {
  createGetStream(file: string): NodeJS.ReadableStream;
}
const createClient = (tftp as { createClient(o: object): NpmTftpClient }).createClient;

/** Fetch `file` whole into memory with the npm client. */
export const npmTftpGet = (o: {
  port: number;
  file: string;
  blockSize: number;
  windowSize: number;
}): Promise<Buffer> => {
  const client = createClient({
    host: '127.0.0.1',
    port: o.port,
    blockSize: o.blockSize,
    windowSize: o.windowSize,
  });
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const stream = client.createGetStream(o.file);
    stream.on('data', (d: Buffer) => parts.push(d));
    stream.on('end', () => resolve(Buffer.concat(parts)));
    stream.on('error', reject);
  });
};
