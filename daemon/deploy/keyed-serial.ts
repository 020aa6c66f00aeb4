/**
 * Work run one at a time per key: each piece for a key starts after every earlier one for that key
 * has settled. Deployments use it so two presses of one button (a double click, two admins) each
 * see what the other did, instead of both passing the same check and acting twice.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
