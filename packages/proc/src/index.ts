export { defineProgram, type Program, type ProcInput } from './program.js';
export { ProgramRegistry } from './registry.js';
export { syscallTable, placeOf, CONSOLE_FDS, type SyscallName, type SyscallPlace } from './syscalls.js';
export { sys, SYSCALL, resolveArgs, type Arg, type SyscallAction, type SyscallSpec, type SpawnOptions } from './sys.js';
export { resultOf, type SysResult, type SysSignal } from './events.js';
export {
  AddressSpace,
  memory,
  withMemory,
  PAGE_SIZE,
  PagedAddressSpace,
  PageFault,
  findPageFault,
  type AddressSpaceDescription,
  type AddressSpaceImage,
  type PageState,
} from './memory.js';
export { machineOutline, activePaths, type MachineOutline, type StateOutline } from './outline.js';
