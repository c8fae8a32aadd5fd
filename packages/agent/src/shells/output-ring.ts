// What a detached shell printed while nobody watched: the most recent `capacity` bytes, the older ones
// dropped (and counted), so a shell that prints forever costs a bounded amount of memory.

export const DEFAULT_RING_BYTES = 1024 * 1024;

export class OutputRing {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes dropped from the front since the last clear(). */
  dropped = 0;

  constructor(private readonly capacity = DEFAULT_RING_BYTES) {}

  push(chunk: Buffer): void {
    if (chunk.length >= this.capacity) {
      this.dropped += this.size + chunk.length - this.capacity;
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.capacity))];
      this.size = this.capacity;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.capacity) {
      const first = this.chunks[0]!;
      const excess = this.size - this.capacity;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  get length(): number {
    return this.size;
  }

  /** Everything kept, oldest first. */
  contents(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.dropped = 0;
  }
}
