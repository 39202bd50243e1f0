/** The parts of the wasm backend's Emscripten module this guard touches. */
interface WasmModuleAllocator {
  _malloc?: (bytes: number) => number;
  _free?: (offset: number) => void;
  HEAPU8?: Uint8Array;
}

/**
 * Room left in the heap after each tensor allocation for the backend's own bookkeeping (its
 * tensor registry allocates a few dozen bytes per tensor in C++, and a failure there aborts).
 */
const HEADROOM_BYTES = 1 << 20;

const guarded = new WeakSet<object>();

/**
 * Makes the wasm backend's allocator fail loudly. When the heap is full, the backend gets offset 0
 * from Emscripten's `_malloc`, or a block that runs past the end of the heap (near 4 GiB the
 * allocator's 32-bit arithmetic wraps: measured, a 256 MiB block at 3.75 GiB of a 3.84 GiB heap),
 * or the tensor fits but its registration (a C++ allocation right after) does not and the module
 * aborts with a bare "Aborted()" printed to stderr and no cause. With this guard a tensor
 * allocation that does not fit inside the heap with HEADROOM_BYTES to spare throws "could not
 * allocate memory" before anything is registered (the block is given back), which
 * core/backend-failure.ts turns into RESOURCE_EXHAUSTED. No-op for other backends and when already
 * installed.
 */
export function guardWasmAllocation(backend: unknown): void {
  const wasm = (backend as { wasm?: WasmModuleAllocator } | null)?.wasm;
  if (!wasm || typeof wasm._malloc !== 'function' || typeof wasm._free !== 'function' || guarded.has(wasm)) return;
  // Emscripten's exports start as trampolines that replace themselves on the module at their first
  // call; one call of each first, so that the functions wrapped here stay in place.
  wasm._free(wasm._malloc(8));
  const malloc = wasm._malloc;
  const free = wasm._free;
  /** A block of `bytes` at `offset` (0 or a wrapped block when the heap is full), if it lies inside the heap. */
  const fits = (offset: number, bytes: number): boolean => offset !== 0 && (offset >>> 0) + bytes <= (wasm.HEAPU8?.byteLength ?? Infinity);
  wasm._malloc = (bytes: number): number => {
    const offset = malloc(bytes);
    const spare = fits(offset, bytes) ? malloc(HEADROOM_BYTES) : 0;
    const ok = fits(spare, HEADROOM_BYTES);
    if (spare !== 0) free(spare);
    if (!ok) {
      if (offset !== 0) free(offset);
      throw new Error(`could not allocate memory: the wasm heap has no room for ${bytes} more bytes`);
    }
    return offset;
  };
  guarded.add(wasm);
}
