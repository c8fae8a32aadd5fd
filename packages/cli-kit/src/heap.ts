// How fast V8's old generation may grow before a full collection, fixed for the CLIs instead of left to
// V8's guess. V8 counts memory held by ArrayBuffers (every socket read, every cipher output) towards the
// limit that starts a full (mark-compact) collection. Moving SSH bytes at 100+ MB/s keeps 30-50 MiB of
// such short-lived buffers between two scavenges, while the live heap is about 11 MiB. After each full
// collection V8 sets the next limit to the live heap times a factor it picks between 1.1 and 4 from how
// fast recent collections ran, lower on a busy machine; below heap plus buffers, it then runs a full
// collection every 50-200 ms. Measured on 2 cores, 2 GiB through the relay: 117-172 full collections in
// the agent (4.8-5.2 s of CPU per GiB moved afterwards against 6.2-7.2 before) and, in about half the
// runs, 30-40 in the relay. The short-lived buffers die in scavenges either way, so the resident size
// did not grow (agent peak 115 MiB with the fixed factor, 117 MiB without).
import { setFlagsFromString } from 'node:v8';

/** The agent and wsproxy: live heap ~11 MiB, up to ~50 MiB of buffers in flight (factor 8). */
export const BULK_HEAP_GROWING_PERCENT = 700;
/** The relay: ~32 MiB of buffers in flight, but a live heap that grows with its agents, so V8's own top
 *  factor (4) and no more: with 10,000 agents a higher one would let garbage grow by gigabytes. */
export const RELAY_HEAP_GROWING_PERCENT = 300;

/** The V8 flag that fixes the heap growing factor at 1 + percent / 100. */
export function heapGrowthFlag(percent: number): string {
  return `--heap-growing-percent=${percent}`;
}

/** Fixes the heap growing factor of this process; V8 reads it at each full collection. */
export function fixHeapGrowth(percent: number): void {
  setFlagsFromString(heapGrowthFlag(percent));
}
