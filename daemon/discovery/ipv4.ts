/** IPv4 addresses as 32-bit unsigned integers: parsing, formatting, CIDR and range arithmetic. */

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * A dotted quad (surrounding whitespace allowed) as a number: four decimal octets, 0-255, no
 * leading zeros (`010` is refused: some tools read it as octal). Hand-scanned: pages sort
 * thousands of hosts by address, and a split and four regular expressions per address showed in
 * their profiles.
 */
export const parseIpv4 = (input: string): number | undefined => {
  const text =
    isDigit(input.charCodeAt(0)) && isDigit(input.charCodeAt(input.length - 1)) ? input : input.trim();
  const end = text.length;
  let value = 0;
  let octets = 0;
  let i = 0;
  while (i < end) {
    const first = i;
    let octet = 0;
    for (; i < end; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      octet = octet * 10 + c;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && text.charCodeAt(first) === 48))
      return undefined;
    value = value * 256 + octet;
    octets++;
    if (i === end) break;
    if (text.charCodeAt(i) !== 46 || octets === 4) return undefined;
    i++;
    if (i === end) return undefined; // a trailing dot
  }
  return octets === 4 ? value : undefined;
};

export const formatIpv4 = (n: number): string =>
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export const isIpv4 = (text: string): boolean => parseIpv4(text) !== undefined;

/** First and last address of a CIDR block. */
export const cidrBounds = (base: number, prefix: number): { first: number; last: number } => {
  const size = 2 ** (32 - prefix);
  const first = Math.floor(base / size) * size;
  return { first, last: first + size - 1 };
};

/** Sort key for dotted quads so 10.0.0.9 sorts before 10.0.0.10. */
export const ipSortKey = (ip: string): number => parseIpv4(ip) ?? Number.MAX_SAFE_INTEGER;

/** Address order as the pages list machines: IPv4 numerically (10.0.0.9 before 10.0.0.10), then names. */
export const compareAddresses = (x: string, y: string): number =>
  ipSortKey(x) - ipSortKey(y) || x.localeCompare(y);

/**
 * `items` in the address order of their labels (see `compareAddresses`), after `first` where it
 * decides. Each label and its key are worked out once per item, not twice per comparison: a page
 * sorting 5,000 hosts compared them 120,000 times, parsing both addresses each time.
 */
export const inAddressOrder = <T>(
  items: readonly T[],
  labelOf: (item: T) => string,
  first: (a: T, b: T) => number = () => 0,
): T[] =>
  items
    .map((item) => {
      const label = labelOf(item);
      return { item, label, ip: ipSortKey(label) };
    })
    .sort((a, b) => first(a.item, b.item) || a.ip - b.ip || a.label.localeCompare(b.label))
    .map((k) => k.item);
