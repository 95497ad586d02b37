import type { AnyMachineSnapshot } from 'xstate';
import { PagedAddressSpace, type AddressSpaceDescription } from '@wisp/proc';
import type { MemoryImage, ProcessImage } from '@wisp/protocol';
import { logicOf, type Pcb } from '../pcb.js';
import type { KernelPort } from './kernelPort.js';

/**
 * One part of a process that migration moves, in the style of Sprite's migration callbacks:
 * `encapsulate` writes its part of the image on the source (the process is frozen, so this is
 * a consistent cut); `deencapsulate` rebuilds it on the target before the process runs.
 * Failure rule: either may throw; the migration then aborts and the process resumes on the
 * source, untouched (nothing here changes the source PCB).
 */
interface Participant {
  name: string;
  encapsulate(k: KernelPort, pcb: Pcb, image: ProcessImage, where: Pick<MemoryImage, 'where' | 'backingFile'>): void;
  deencapsulate(image: ProcessImage, pcb: Pcb): void;
}

const table: Participant[] = [
  {
    // The registers: the program's persisted snapshot, and usage counters.
    name: 'proc',
    encapsulate: (_k, pcb, img) => {
      img.snapshot = logicOf(pcb).getPersistedSnapshot(pcb.snapshot);
      img.callSeq = pcb.callSeq;
      img.transitions = pcb.transitions;
    },
    deencapsulate: (img, pcb) => {
      const logic = logicOf(pcb) as unknown as { restoreSnapshot(s: unknown, scope: unknown): AnyMachineSnapshot };
      pcb.snapshot = logic.restoreSnapshot(img.snapshot, pcb.scope);
      pcb.callSeq = img.callSeq;
      pcb.transitions = img.transitions;
    },
  },
  {
    // Results, signals and messages not yet taken, in order; and per-sender sequence numbers,
    // so a message retried across the move is taken once.
    name: 'mailbox',
    encapsulate: (_k, pcb, img) => {
      img.urgent = pcb.urgent.toArray();
      img.mailbox = pcb.mailbox.toArray();
      img.seqIn = Object.fromEntries(pcb.seqIn);
      img.seqOut = Object.fromEntries(pcb.seqOut);
      if (pcb.epochIn.size > 0) img.epochIn = Object.fromEntries(pcb.epochIn);
    },
    deencapsulate: (img, pcb) => {
      for (const e of img.urgent) pcb.urgent.push(e);
      for (const e of img.mailbox) pcb.mailbox.push(e);
      for (const [from, seq] of Object.entries(img.seqIn)) pcb.seqIn.set(from, seq);
      for (const [to, seq] of Object.entries(img.seqOut)) pcb.seqOut.set(to, seq);
      for (const [from, epoch] of Object.entries(img.epochIn ?? {})) pcb.epochIn.set(from, epoch);
    },
  },
  {
    // Blocking calls are issued again on the target (the home answers a re-issued wait once).
    name: 'calls',
    encapsulate: (k, pcb, img) => {
      img.reissue = k.blockingCalls(pcb);
    },
    deencapsulate: () => undefined, // re-issued by adopt, once the process may run
  },
  {
    // Kernel timers keep their deadlines: what travels is the time left, not a clock reading.
    name: 'timers',
    encapsulate: (k, pcb, img) => {
      img.timers = k.timerImages(pcb);
    },
    deencapsulate: () => undefined, // armed by adopt
  },
  {
    // Streams: the fd table; the streams themselves were moved at the file server already.
    name: 'fs',
    encapsulate: (_k, pcb, img) => {
      img.fds = [...pcb.fds];
    },
    deencapsulate: (img, pcb) => {
      for (const [fd, stream] of img.fds) pcb.fds.set(fd, stream);
    },
  },
  {
    // The address space's shape; its pages come per strategy (sent, backing file, or source).
    name: 'vm',
    encapsulate: (_k, pcb, img, where) => {
      img.memory = { description: pcb.memory.describe(), ...where };
    },
    deencapsulate: (img, pcb) => {
      pcb.memory = PagedAddressSpace.fromDescription(img.memory.description as AddressSpaceDescription);
      pcb.backed = img.memory.where === 'backing' || img.memory.description.pages.length > 0;
    },
  },
];

/** The participant table, run in order. */
export const participants = {
  /** The image of a frozen process. */
  encapsulate(k: KernelPort, pcb: Pcb, where: Pick<MemoryImage, 'where' | 'backingFile'>): ProcessImage {
    const img = {
      pid: pcb.pid,
      home: pcb.home,
      parent: pcb.parent,
      program: pcb.program.name,
      version: pcb.program.version,
    } as ProcessImage;
    for (const p of table) p.encapsulate(k, pcb, img, where);
    return img;
  },

  /** Fills a fresh PCB from an image. */
  deencapsulate(img: ProcessImage, pcb: Pcb): void {
    for (const p of table) p.deencapsulate(img, pcb);
  },
};
