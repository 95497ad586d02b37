/** A first-in first-out queue with O(1) push and shift. */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** Number of queued items. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends to the tail. */
  push(item: T): void {
    this.items.push(item);
  }

  /** Puts an item back at the head (an event whose transition faulted is delivered again). */
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The head without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** The queued items, head first. */
  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }
}
