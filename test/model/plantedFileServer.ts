import { FileServer } from '@wisp/fs';

/**
 * Bug: a file server that ignores epochs — it takes every request, whatever epoch its pid
 * carries, so a late request of a copy another host has moved past (a write, a page-out) lands
 * after the newer copy's. Planted through `CheckOptions.fileServer`, a hook for the checker's tests.
 */
export class EpochBlindFileServer extends FileServer {
  protected override fence(): void {}
}
