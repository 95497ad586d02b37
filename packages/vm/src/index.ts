export { PAGE_SIZE, MAX_ADDRESS_SPACE } from './defaults.js';
export type { AddressSpace } from './addressSpace.js';
export { PagedAddressSpace, type PagedAddressSpaceOptions, type PageStats } from './pagedAddressSpace.js';
export { PageFault, findPageFault } from './pageFault.js';
export type { PageState } from './pageState.js';
export type { AddressSpaceDescription, AddressSpaceImage } from './description.js';
export { toExtents, pagesOf, type Extents } from './extents.js';
export { notState, forkFresh, type HasNonState, type ForksFresh } from './stateHints.js';
