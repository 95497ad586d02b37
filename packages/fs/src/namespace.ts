import { ErrorCode, WispError } from '@wisp/protocol';
import type { FsEffect, PersistOp } from './effects.js';
import { NOT_OPEN, type FileSnapshot } from './fileConsistency.js';
import { isUnder, joinPath, parentOf, segments } from './path.js';
import type { StorageImage } from './storage/storage.js';
import type { Stream } from './streams.js';

/** A directory of the namespace. */
export interface DirNode {
  kind: 'dir';
  name: string;
  parent: DirNode | null;
  children: Map<string, Node>;
}

/** A file: its bytes, version, the streams open on it and its consistency state. */
export interface FileNode {
  kind: 'file';
  id: number;
  name: string;
  /** Null once unlinked (streams may still use it). */
  parent: DirNode | null;
  /**
   * Contents are `buf[0, size)`; bytes past `size` are zero. `buf[0, size)` is never changed in
   * place once handed out (to storage, as a read, or to a copy of the server), so persist
   * effects and replies carry views without copies: overwrites copy, appends within capacity
   * write past `size` in place.
   */
  buf: Uint8Array;
  size: number;
  version: number;
  /** Streams open on the file, in the order they were opened. */
  streams: Set<Stream>;
  /** Who has it open and who may cache it: a snapshot of the per-file machine ({@link fileMachine}). */
  consistency: FileSnapshot;
}

/** A node of the namespace. */
export type Node = DirNode | FileNode;

/** One counter for file ids, versions and stream ids: never reused. */
export class Ids {
  constructor(public last: number) {}

  next(): number {
    return ++this.last;
  }
}

/** A persist effect. */
export function persist(op: PersistOp): FsEffect {
  return { type: 'persist', op };
}

/** The persist effect that writes `f` whole at `path`. */
export function persistFile(f: FileNode, path: string): FsEffect {
  return persist({ op: 'writeFile', path, file: { data: f.buf.subarray(0, f.size), version: f.version } });
}

/**
 * The file server's tree of directories and files, and the namespace operations on normalized
 * paths (stat, mkdir, rmdir, readdir, unlink, rename). Changes come back as persist effects,
 * in the order storage must apply them; an operation that throws has changed nothing.
 */
export class Namespace {
  readonly root: DirNode = { kind: 'dir', name: '', parent: null, children: new Map() };

  constructor(private readonly ids: Ids) {}

  /** Loads what storage holds: directories (parents first), then files with their versions. */
  load(image: StorageImage, normalize: (p: string) => string): void {
    for (const d of [...image.dirs].sort((a, b) => a.length - b.length)) this.makeDirs(normalize(d), []);
    for (const [path, f] of image.files) {
      const p = normalize(path);
      const parent = this.makeDirs(parentOf(p), []);
      const name = segments(p).at(-1)!;
      parent.children.set(name, this.newFile(name, parent, f.data, f.version));
    }
  }

  /** A new file under `parent` (not yet linked in); a new file id. */
  newFile(name: string, parent: DirNode, data: Uint8Array, version: number): FileNode {
    return { kind: 'file', id: this.ids.next(), name, parent, buf: data, size: data.length, version, streams: new Set(), consistency: NOT_OPEN };
  }

  /** Creates an empty file at `path` (its parent must exist); returns it and its persist effect. */
  create(path: string, fx: FsEffect[]): FileNode {
    const parent = this.parentDir(path);
    const name = segments(path).at(-1)!;
    const file = this.newFile(name, parent, new Uint8Array(0), this.ids.next());
    parent.children.set(name, file);
    fx.push(persistFile(file, path));
    return file;
  }

  /** The node at a normalized path, or null. Throws `ENOTDIR` when a file sits where a directory must. */
  lookup(path: string): Node | null {
    let node: Node = this.root;
    for (const seg of segments(path)) {
      if (node.kind !== 'dir') throw new WispError(ErrorCode.ENOTDIR, `a component of '${path}' is not a directory`);
      const next: Node | undefined = node.children.get(seg);
      if (!next) return null;
      node = next;
    }
    return node;
  }

  /** Current path of a node, or null when it is no longer in the namespace. */
  pathOf(node: Node): string | null {
    const names: string[] = [];
    let n: Node = node;
    while (n !== this.root) {
      if (!n.parent) return null;
      names.push(n.name);
      n = n.parent;
    }
    return `/${names.reverse().join('/')}`;
  }

  unlink(path: string, fx: FsEffect[]): void {
    const node = this.lookup(path);
    if (!node) throw new WispError(ErrorCode.ENOENT, `no such file: ${path}`);
    if (node.kind === 'dir') throw new WispError(ErrorCode.EISDIR, `'${path}' is a directory; use rmdir`);
    node.parent!.children.delete(node.name);
    node.parent = null;
    fx.push(persist({ op: 'removeFile', path }));
  }

  mkdir(path: string, parents: boolean, fx: FsEffect[]): void {
    const node = this.lookup(path);
    if (node) {
      if (parents && node.kind === 'dir') return;
      throw new WispError(ErrorCode.EEXIST, `'${path}' exists`);
    }
    if (!parents) this.parentDir(path);
    this.ensureDir(path, fx);
  }

  /** Makes sure directory `path` exists, with its ancestors; persists those it made. */
  ensureDir(path: string, fx: FsEffect[]): void {
    const made: string[] = [];
    this.makeDirs(path, made);
    for (const p of made) fx.push(persist({ op: 'mkdir', path: p }));
  }

  rmdir(path: string, fx: FsEffect[]): void {
    if (path === '/') throw new WispError(ErrorCode.EINVAL, `'/' cannot be removed`);
    const node = this.lookup(path);
    if (!node) throw new WispError(ErrorCode.ENOENT, `no such directory: ${path}`);
    if (node.kind !== 'dir') throw new WispError(ErrorCode.ENOTDIR, `'${path}' is not a directory`);
    if (node.children.size > 0) throw new WispError(ErrorCode.ENOTEMPTY, `'${path}' is not empty`);
    node.parent!.children.delete(node.name);
    node.parent = null;
    fx.push(persist({ op: 'rmdir', path }));
  }

  readdir(path: string): Array<{ name: string; type: 'file' | 'dir' }> {
    const node = this.lookup(path);
    if (!node) throw new WispError(ErrorCode.ENOENT, `no such directory: ${path}`);
    if (node.kind !== 'dir') throw new WispError(ErrorCode.ENOTDIR, `'${path}' is not a directory`);
    return [...node.children.values()]
      .map((n) => ({ name: n.name, type: n.kind }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Renames like POSIX: a file may replace a file, a directory an empty directory. Storage has
   * no rename, so the moved subtree is written under its new paths before the old ones are
   * removed: a crash in between leaves a copy, never a loss.
   */
  rename(from: string, to: string, fx: FsEffect[]): void {
    if (from === '/' || to === '/') throw new WispError(ErrorCode.EINVAL, `'/' cannot be renamed or replaced`);
    const src = this.lookup(from);
    if (!src) throw new WispError(ErrorCode.ENOENT, `no such file or directory: ${from}`);
    if (from === to) return;
    if (src.kind === 'dir' && isUnder(to, from)) throw new WispError(ErrorCode.EINVAL, `cannot move '${from}' into itself`);
    const dstParent = this.parentDir(to);
    const name = segments(to).at(-1)!;
    const existing = dstParent.children.get(name);
    if (existing) {
      if (src.kind === 'file' && existing.kind === 'dir') throw new WispError(ErrorCode.EISDIR, `'${to}' is a directory`);
      if (src.kind === 'dir' && existing.kind === 'file') throw new WispError(ErrorCode.ENOTDIR, `'${to}' is not a directory`);
      if (existing.kind === 'dir' && existing.children.size > 0) throw new WispError(ErrorCode.ENOTEMPTY, `'${to}' is not empty`);
    }
    const before = this.subtree(src, from);
    if (existing) {
      dstParent.children.delete(name);
      existing.parent = null;
      fx.push(persist(existing.kind === 'dir' ? { op: 'rmdir', path: to } : { op: 'removeFile', path: to }));
    }
    src.parent!.children.delete(src.name);
    src.name = name;
    src.parent = dstParent;
    dstParent.children.set(name, src);
    for (const [node, old] of before) {
      const now = to + old.slice(from.length);
      fx.push(node.kind === 'dir' ? persist({ op: 'mkdir', path: now }) : persistFile(node, now));
    }
    for (const [node, old] of [...before].reverse()) {
      fx.push(persist(node.kind === 'dir' ? { op: 'rmdir', path: old } : { op: 'removeFile', path: old }));
    }
  }

  /** The existing directory that will hold `path`. */
  parentDir(path: string): DirNode {
    const p = parentOf(path);
    const dir = this.lookup(p);
    if (!dir) throw new WispError(ErrorCode.ENOENT, `no such directory: ${p}`);
    if (dir.kind !== 'dir') throw new WispError(ErrorCode.ENOTDIR, `'${p}' is not a directory`);
    return dir;
  }

  /** Every node with its path, parents before children, in the order the tree holds them (root excluded). */
  walk(): Array<[Node, string]> {
    return this.subtree(this.root, '/').slice(1);
  }

  /**
   * A copy of the tree whose files are made by `copyFile` (each once; the caller keeps the
   * map, so streams can point at the same copies). Children keep their order.
   */
  copyInto(target: Namespace, copyFile: (f: FileNode, parent: DirNode) => FileNode): void {
    const copyDir = (from: DirNode, to: DirNode) => {
      for (const [name, child] of from.children) {
        if (child.kind === 'file') to.children.set(name, copyFile(child, to));
        else {
          const dir: DirNode = { kind: 'dir', name, parent: to, children: new Map() };
          to.children.set(name, dir);
          copyDir(child, dir);
        }
      }
    };
    copyDir(this.root, target.root);
  }

  /** Creates `path` and missing ancestors, recording each created path in `made`. */
  private makeDirs(path: string, made: string[]): DirNode {
    let node: DirNode = this.root;
    let at = '/';
    for (const seg of segments(path)) {
      at = joinPath(at, seg);
      const next = node.children.get(seg);
      if (next?.kind === 'file') throw new WispError(ErrorCode.ENOTDIR, `'${at}' is a file`);
      if (next) {
        node = next;
        continue;
      }
      const dir: DirNode = { kind: 'dir', name: seg, parent: node, children: new Map() };
      node.children.set(seg, dir);
      made.push(at);
      node = dir;
    }
    return node;
  }

  /** A node and its descendants with their paths, parents before children. */
  private subtree(node: Node, path: string): Array<[Node, string]> {
    const out: Array<[Node, string]> = [[node, path]];
    if (node.kind === 'dir') for (const child of node.children.values()) out.push(...this.subtree(child, joinPath(path, child.name)));
    return out;
  }
}
