/**
 * A command's output as a terminal showed it. Progress counters (dpkg's "(Reading database ...
 * 45%", apt's download meter) rewrite their line with a carriage return; a browser's <pre> breaks
 * the line at each one instead, so one progress line became twenty. Each line keeps what follows
 * its last carriage return; a CRLF line ending is just an ending. The stored log keeps every byte.
 */
export const asTerminalShows = (text: string): string =>
  text
    .split('\n')
    .map((line) => {
      const body = line.endsWith('\r') ? line.slice(0, -1) : line;
      return body.slice(body.lastIndexOf('\r') + 1);
    })
    .join('\n');
