// A FIFO with a fixed capacity that drops its oldest entry when full and counts what it dropped: a server that
// floods cannot grow the relay's memory (DESIGN.md "Upstreams"; the Pact server's ring buffer does the same on
// its side, and says so with `subscription.lag`). A ring over a preallocated array: O(1) push and shift.
export class BoundedQueue<T> {
  readonly capacity: number;
  readonly #items: (T | undefined)[];
  #head = 0;
  #size = 0;
  /** Dropped since the last `takeDropped()`. */
  #dropped = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer (got ${capacity})`);
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds at the tail; when full, the oldest entry goes first, is counted, and is returned. */
  push(item: T): T | undefined {
    let dropped: T | undefined;
    if (this.#size === this.capacity) {
      dropped = this.#items[this.#head];
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.capacity;
      this.#size--;
      this.#dropped++;
    }
    this.#items[(this.#head + this.#size) % this.capacity] = item;
    this.#size++;
    return dropped;
  }

  /** Removes and returns up to `max` entries from the head, oldest first. */
  take(max: number): T[] {
    const n = Math.min(max, this.#size);
    const out: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.#items[this.#head] as T;
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.capacity;
    }
    this.#size -= n;
    return out;
  }

  /** How many were dropped since the last call, and resets that count. */
  takeDropped(): number {
    const n = this.#dropped;
    this.#dropped = 0;
    return n;
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#head = 0;
    this.#size = 0;
  }
}
