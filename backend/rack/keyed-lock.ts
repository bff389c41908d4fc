/**
 * One holder at a time per key, in arrival order, within this rack agent. Base images use it: an
 * image import and a VM create that needs the same base image on the same host must not see a
 * volume whose upload is still running (libvirt has no atomic rename to publish it).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(fn);
    const tail = mine.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
