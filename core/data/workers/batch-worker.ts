/*
 * The data worker: makes the batches of the plans the training thread asks for (shuffle,
 * augmentation, resizing, normalisation) and sends each one as soon as it is made, as far ahead
 * as the stream's credit allows. Batch buffers are transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BatchMaker } from '../batch-plan.js';
import type { HostBatch } from '../types.js';
import type { BatchWorkerData, FromWorker, ToWorker } from './protocol.js';

interface Stream {
  readonly batches: Iterator<HostBatch>;
  credit: number;
}

const port = parentPort!;
const { splits, stats } = workerData as BatchWorkerData;
const maker = new BatchMaker(splits, stats);
const streams = new Map<number, Stream>();

const send = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

/** Makes and sends batches of stream `id` while it has credit. */
function pump(id: number): void {
  const s = streams.get(id);
  if (!s) return;
  try {
    while (s.credit > 0) {
      const next = s.batches.next();
      if (next.done) {
        streams.delete(id);
        send({ type: 'end', id });
        return;
      }
      s.credit -= 1;
      const b = next.value;
      send({ type: 'batch', id, batch: b }, [b.x.buffer as ArrayBuffer, b.labels.buffer as ArrayBuffer]);
    }
  } catch (err) {
    streams.delete(id);
    send({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'start') {
    try {
      streams.set(m.id, { batches: maker.batches(m.plan), credit: m.credit });
    } catch (err) {
      send({ type: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) });
      return;
    }
    pump(m.id);
  } else if (m.type === 'credit') {
    const s = streams.get(m.id);
    if (s) {
      s.credit += 1;
      pump(m.id);
    }
  } else {
    streams.delete(m.id);
  }
});
