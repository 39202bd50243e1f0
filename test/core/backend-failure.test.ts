import { describe, expect, it } from 'vitest';
import { explainBackendFailure } from '../../core/backend-failure.js';
import { DataError, ResourceError } from '../../core/errors.js';

/** A real wasm trap: a module with one 64 KiB page whose function loads at byte 65536. */
function outOfBoundsTrap(): unknown {
  const bytes = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x05, 0x03, 0x01, 0x00, 0x01, // one memory of one page
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export "f"
    0x0a, 0x0b, 0x01, 0x09, 0x00, 0x41, 0x80, 0x80, 0x04, 0x28, 0x02, 0x00, 0x0b, // i32.load (i32.const 65536)
  ]);
  const { f } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as { f: () => number };
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('the load did not trap');
}

describe('explainBackendFailure', () => {
  it('turns a wasm out-of-bounds trap into RESOURCE_EXHAUSTED naming batch size, backend and the accumulation fix', () => {
    const trap = outOfBoundsTrap();
    expect(trap).toBeInstanceOf(WebAssembly.RuntimeError);
    const err = explainBackendFailure(trap, { batchSize: 8192, backend: 'wasm' }) as ResourceError;
    expect(err).toBeInstanceOf(ResourceError);
    expect(err.code).toBe('RESOURCE_EXHAUSTED');
    expect(err.cause).toBe(trap);
    expect(err.message).toBe(
      'training at batch size 8192 ran out of memory on the wasm backend (memory access out of bounds). Use a smaller batch ' +
        '(--batch-size 512) and keep the effective batch of 8192 with gradient accumulation: plugins: { gradient-accumulation: { steps: 16 } }',
    );
  });

  it('recognises the trap as a replica thread reports it, and halves small batches', () => {
    const replica = new Error('training replica 1 failed: table index is out of bounds');
    const err = explainBackendFailure(replica, { batchSize: 300, backend: 'wasm' }) as ResourceError;
    expect(err).toBeInstanceOf(ResourceError);
    expect(err.message).toMatch(/batch size 300 .*\(training replica 1 failed: table index is out of bounds\)\. .*--batch-size 150\) .*effective batch of 300 .*steps: 2 \}/);
  });

  it('returns every other failure as it is', () => {
    const plain = new Error('something else');
    const coded = new DataError('memory access out of bounds in a file name');
    expect(explainBackendFailure(plain, { batchSize: 64, backend: 'wasm' })).toBe(plain);
    expect(explainBackendFailure(coded, { batchSize: 64, backend: 'wasm' })).toBe(coded);
    expect(explainBackendFailure('memory access out of bounds', { batchSize: 64, backend: 'wasm' })).toBe('memory access out of bounds');
  });
});
