/**
 * Text from a host (package names, OS names, remote error output, log fields) made safe for a
 * technician's terminal: a host must not move the cursor, rewrite earlier lines, retitle the
 * window or hide text behind direction overrides. Every control character except newline and tab
 * (C0, DEL, C1, and so ESC and every escape sequence it starts) and the bidirectional controls is
 * shown as a visible escape (`\x1b`, `\u202e`): the technician still sees that something odd came in.
 */
const isUnsafe = (code: number): boolean =>
  (code < 0x20 && code !== 0x0a && code !== 0x09) ||
  (code >= 0x7f && code <= 0x9f) ||
  code === 0x200e ||
  code === 0x200f ||
  (code >= 0x202a && code <= 0x202e) ||
  (code >= 0x2066 && code <= 0x2069);

const visible = (code: number): string =>
  code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;

export const terminalText = (text: string): string => {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    out += isUnsafe(code) ? visible(code) : ch;
  }
  return out;
};

/**
 * Control characters (C0, DEL, C1: NUL, BEL, ESC...) and the bidirectional controls, as a test:
 * a name or title typed or announced with one is refused (shown on a page, a direction override
 * makes "\u202egnp.exe" read "exe.png").
 */
export const UNSAFE_TEXT = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
