/** A count with its noun, singular for exactly one: "1 host", "3 hosts", "0 feeds". */
export const counted = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
