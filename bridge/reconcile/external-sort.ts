import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { compareKeys, type Key } from './merge-join.js';

/**
 * External merge sort for vendors that cannot list in key order (ShipBob inventory is listed by
 * inventory id, HubSpot objects by HubSpot id): how memory stays bounded.
 *
 * Items are buffered up to `chunkSize`; a full buffer is sorted and spilled to a temporary file
 * (one JSON line per item); at the end the runs are merged k-way, reading one line of each run
 * at a time (a binary heap over the runs' heads). Peak memory is O(chunkSize) items plus one
 * read buffer (16 KiB) per run: for 100,000 rows and the default chunk, 5 runs per side.
 * An input that fits in one chunk never touches the disk. Items must survive JSON (plain
 * objects). The temporary folder is removed when the output is fully read, abandoned (`break`)
 * or fails.
 */
export interface ExternalSortOptions<T> {
  keyOf: (item: T) => Key;
  compare?: (a: Key, b: Key) => number;
  /** Items held in memory before a run is spilled (default 20,000). */
  chunkSize?: number;
  /** Parent of the temporary folder (default os.tmpdir()). */
  tmpDir?: string;
  /** Observes spills (bench, logs). */
  onSpill?: (run: number, items: number) => void;
}

export async function* externalSort<T>(source: AsyncIterable<T> | Iterable<T>, opts: ExternalSortOptions<T>): AsyncGenerator<T> {
  const cmp = opts.compare ?? compareKeys;
  const chunkSize = Math.max(1, opts.chunkSize ?? 20_000);
  const byKey = (a: { k: Key }, b: { k: Key }) => cmp(a.k, b.k);
  let buffer: Array<{ k: Key; v: T }> = [];
  let dir: string | undefined;
  const runs: string[] = [];
  try {
    const spill = () => {
      buffer.sort(byKey);
      dir ??= fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'sb-recon-sort-'));
      const file = path.join(dir, `run-${runs.length}.ndjson`);
      const fd = fs.openSync(file, 'w');
      try {
        // Written in slices so one huge string is never built.
        for (let i = 0; i < buffer.length; i += 1000) {
          fs.writeSync(fd, buffer.slice(i, i + 1000).map((e) => JSON.stringify(e)).join('\n') + '\n');
        }
      } finally {
        fs.closeSync(fd);
      }
      runs.push(file);
      opts.onSpill?.(runs.length, buffer.length);
      buffer = [];
    };
    for await (const v of source as AsyncIterable<T>) {
      buffer.push({ k: opts.keyOf(v), v });
      if (buffer.length >= chunkSize) spill();
    }
    if (runs.length === 0) {
      buffer.sort(byKey);
      const all = buffer;
      buffer = [];
      for (const e of all) yield e.v;
      return;
    }
    if (buffer.length > 0) spill();
    const readers = runs.map((file) => readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 16 * 1024 }), crlfDelay: Infinity })[Symbol.asyncIterator]());
    try {
      const heads: Array<{ k: Key; v: T } | undefined> = [];
      const advance = async (i: number) => {
        for (;;) {
          const r = await readers[i]!.next();
          if (r.done) { heads[i] = undefined; return; }
          if (r.value === '') continue;
          heads[i] = JSON.parse(r.value) as { k: Key; v: T };
          return;
        }
      };
      for (let i = 0; i < readers.length; i++) await advance(i);
      // Binary min-heap of run indexes by head key: O(log k) per item.
      const heap: number[] = [];
      const less = (a: number, b: number) => cmp(heads[a]!.k, heads[b]!.k) < 0;
      const down = (i: number) => {
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
          if (m === i) return;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      };
      for (let i = 0; i < heads.length; i++) if (heads[i]) heap.push(i);
      for (let i = Math.floor(heap.length / 2) - 1; i >= 0; i--) down(i);
      while (heap.length > 0) {
        const top = heap[0]!;
        const v = heads[top]!.v;
        await advance(top);
        if (!heads[top]) {
          heap[0] = heap[heap.length - 1]!;
          heap.pop();
        }
        if (heap.length > 0) down(0);
        yield v;
      }
    } finally {
      for (const r of readers) await r.return?.();
    }
  } finally {
    buffer = [];
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
