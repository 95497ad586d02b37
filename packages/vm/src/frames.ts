import { forkFresh, type ForksFresh } from './stateHints.js';

/** Bytes of one slab: frames are carved out of buffers this big (or one page, if pages are bigger). */
const SLAB_BYTES = 1 << 20;

/**
 * Page frames for one address space. A frame is a page-sized view into a shared slab:
 * allocating thousands of separate 4 KiB ArrayBuffers costs microseconds each in V8 (a copy-on-write
 * transaction over 64 Ki pages spent most of its time there), a view into a slab costs a small
 * object. Freed frames are kept for reuse, up to a limit; a slab's memory goes back to the heap
 * once none of its frames is referenced.
 */
export class FrameAllocator implements ForksFresh {
  private readonly perSlab: number;
  private slab: Uint8Array | null = null;
  private next = 0;
  private readonly free: Uint8Array[] = [];

  /** Most freed frames kept for reuse (see {@link keepAtLeast}). */
  private keep: number;

  constructor(
    readonly pageSize: number,
    keep = 1024,
    slabPages = Math.floor(SLAB_BYTES / pageSize),
  ) {
    this.keep = keep;
    this.perSlab = Math.max(1, slabPages);
  }

  /**
   * A model checker's copy starts with no slab and no free frames, and carves one-page slabs: a
   * copy allocates few frames, and each state it keeps holds only what it allocated.
   */
  [forkFresh](): FrameAllocator {
    return new FrameAllocator(this.pageSize, this.keep, 1);
  }

  /** A zero-filled frame. */
  zeroed(): Uint8Array {
    const f = this.free.pop();
    return f ? f.fill(0) : this.carve();
  }

  /** A frame holding a copy of `src` (at most a page; the rest zeros). */
  copy(src: Uint8Array): Uint8Array {
    const f = this.free.pop();
    if (!f) {
      const c = this.carve();
      c.set(src);
      return c;
    }
    if (src.length < this.pageSize) f.fill(0, src.length);
    f.set(src);
    return f;
  }

  /**
   * Keeps at least `n` freed frames from now on: a transaction that saved n pages is likely to
   * be followed by one that saves as many, and recycling its copies spares the allocations and
   * the garbage collections that would otherwise follow every such transaction.
   */
  keepAtLeast(n: number): void {
    if (n > this.keep) this.keep = n;
  }

  /** Gives a frame back for reuse; its bytes must no longer be used by the caller. */
  release(f: Uint8Array): void {
    if (this.free.length < this.keep) this.free.push(f);
  }

  /** A fresh (zero) frame from the current slab, starting a new slab when it is used up. */
  private carve(): Uint8Array {
    if (!this.slab || this.next === this.perSlab) {
      this.slab = new Uint8Array(this.perSlab * this.pageSize);
      this.next = 0;
    }
    const at = this.next++ * this.pageSize;
    return this.slab.subarray(at, at + this.pageSize);
  }
}
