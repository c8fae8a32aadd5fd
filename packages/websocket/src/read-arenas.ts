// Reads of a plain TCP socket (or pipe) into recycled memory, arenas, instead of a fresh allocation
// each: Node's own read path allocates 64 KiB per read and frees it later, so a forwarder's reads land
// in cold, newly faulted memory, and it never reads more than 64 KiB at once. Measured 2026-12-03:
// - a bare Node forwarder, 1 GiB: 1.29-1.54 CPU s/GiB with Node's reads, 0.81-0.90 with recycled ones;
// - the relay alone (no SSH on the cores), 5 alternating rounds, up/down: 1.33-1.44 / 1.09-1.29 s/GiB
//   with Node's reads, 0.99-1.21 / 0.92-1.04 with 64 KiB arenas (see BIG_ARENA_BYTES for larger ones);
// - exec through the relay, 1 GiB, 4 alternating rounds, median relay CPU down/up: 1.75 / 1.75 with
//   Node's reads, 1.49 / 1.60 with arenas in the relay and wsproxy. Reads there average ~65 KiB (the
//   ssh client and the agent do not outrun the relay), so the gain is the memory, not the read size.
// - a one-byte echo through the relay: p50 0.379 vs 0.371 ms (16 alternating blocks of 500), unchanged.
//
// Node reads into a buffer of our choosing through the `onread` option of net.Socket; a socket that
// node:http accepted has no way to pass it, so installReads sets the same three fields the constructor
// sets from `onread` (found by their symbol's name) and calls the handle's useUserBuffer, as the
// constructor does. That is Node's internals: it is used on Node 20 and later only (what the tests
// run on: read-arenas.test.ts fails if it stops working), and where anything is missing (another
// Node, a TLS socket) the socket keeps Node's reads and nothing changes.
//
// An arena is shared by consecutive reads of one socket and counts its holders: the socket while it
// reads into it, and each send that still refers to a piece of it (FrameSocket.send, wsproxy's output:
// holdArena, released once the bytes have left). An arena goes back to the free list only once nothing
// holds it, so no byte is overwritten before it has left the process. A quiet socket keeps a 4 KiB
// arena, a busy one a 256 KiB arena, plus those its unsent pieces still hold (the pipe's 1 MiB in
// flight at most); at most 5 MiB of free arenas are kept for the whole process.
import type { Socket } from 'node:net';

/**
 * A busy socket's arena. Larger reads cost less per byte (fewer reads, fewer writes, fewer wakeups):
 * relay alone, 3 rounds each, up/down s/GiB: 64 KiB 1.02-1.13 / 0.83-1.21, 256 KiB 0.88-0.90 / 0.73-1.00,
 * 1 MiB 0.72-0.88 / 0.61-0.89. 256 KiB keeps most of the gain and bounds what a busy socket adds.
 */
export const BIG_ARENA_BYTES = 256 * 1024;
/** A quiet socket's arena (keystrokes, pings): what an idle socket keeps. */
export const SMALL_ARENA_BYTES = 4 * 1024;
/** A read below this into a big arena makes the socket quiet again. */
const QUIET_READ_BYTES = 1024;
/** Free arenas kept for reuse, per size: 4 MiB of big ones (the arenas of a few busy pipes in flight), 1 MiB of small ones. */
const MAX_FREE = { [BIG_ARENA_BYTES]: (4 << 20) / BIG_ARENA_BYTES, [SMALL_ARENA_BYTES]: (1 << 20) / SMALL_ARENA_BYTES } as Record<number, number>;

class Arena {
  holds = 1;
  used = 0;
  constructor(readonly bytes: Buffer) {}

  release(): void {
    if (--this.holds === 0) giveBack(this);
  }
}

const free = new Map<number, Arena[]>([
  [BIG_ARENA_BYTES, []],
  [SMALL_ARENA_BYTES, []],
]);
const arenaOfMemory = new WeakMap<ArrayBufferLike, Arena>();

function takeArena(size: number): Arena {
  const arena = free.get(size)!.pop();
  if (arena) {
    arena.holds = 1;
    arena.used = 0;
    return arena;
  }
  const fresh = new Arena(Buffer.allocUnsafeSlow(size));
  arenaOfMemory.set(fresh.bytes.buffer, fresh);
  return fresh;
}

function giveBack(arena: Arena): void {
  const list = free.get(arena.bytes.length)!;
  if (list.length < MAX_FREE[arena.bytes.length]!) list.push(arena);
}

/**
 * Holds the arena that `piece` lies in until the returned function is called (once the piece has left
 * the process). Undefined for memory that is not an arena.
 */
export function holdArena(piece: Uint8Array): (() => void) | undefined {
  const arena = arenaOfMemory.get(piece.buffer);
  if (!arena) return undefined;
  arena.holds++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    arena.release();
  };
}

/** `done`, made to release first the arena `piece` lies in (held from now): for a write of `piece`. */
export function heldUntil<Args extends unknown[]>(piece: Uint8Array, done: (...args: Args) => void): (...args: Args) => void {
  const release = holdArena(piece);
  if (!release) return done;
  return (...args) => {
    release();
    done(...args);
  };
}

/** Free arenas per size, for the tests. */
export function freeArenas(): { big: number; small: number } {
  return { big: free.get(BIG_ARENA_BYTES)!.length, small: free.get(SMALL_ARENA_BYTES)!.length };
}

/** installReads leans on Node's internals as Node 20 has them (see the top of this file). */
const NODE_SUPPORTED = Number(process.versions.node.split('.')[0]) >= 20;

type ReadFields = { buffer: symbol; callback: symbol; generator: symbol };

function readFieldsOf(socket: Socket): ReadFields | undefined {
  const own = Object.getOwnPropertySymbols(socket);
  const find = (name: string) => own.find((symbol) => symbol.description === name);
  const buffer = find('kBuffer');
  const callback = find('kBufferCb');
  const generator = find('kBufferGen');
  return buffer && callback && generator ? { buffer, callback, generator } : undefined;
}

/**
 * Makes `socket` read into arenas and hand each read to `onRead` (a view valid until onRead returns,
 * unless held with holdArena). False, and nothing changed, when this Node or this socket cannot.
 * What the socket had already received before (an unshifted head) still comes through 'data'.
 */
export function installReads(socket: Socket, onRead: (chunk: Buffer) => void): boolean {
  if (!NODE_SUPPORTED) return false;
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (buffer: Uint8Array) => void } })._handle;
  const fields = readFieldsOf(socket);
  const fieldsOf = socket as unknown as Record<symbol, unknown>;
  if (!fields || typeof handle?.useUserBuffer !== 'function' || (socket as { encrypted?: boolean }).encrypted) return false;
  if (fieldsOf[fields.buffer] !== null || fieldsOf[fields.callback] !== null || fieldsOf[fields.generator] !== null) return false;
  let arena = takeArena(SMALL_ARENA_BYTES);
  let lastRead = 0;
  fieldsOf[fields.callback] = (bytes: number, view: Buffer) => {
    lastRead = bytes;
    onRead(view.subarray(0, bytes));
    return true;
  };
  fieldsOf[fields.generator] = () => {
    arena = nextArena(arena, lastRead);
    return arena.bytes.subarray(arena.used);
  };
  fieldsOf[fields.buffer] = arena.bytes;
  handle.useUserBuffer(arena.bytes);
  socket.once('close', () => arena.release());
  return true;
}

/**
 * Where the read after one of `bytes` into `arena` (at arena.used) goes. A read that fills a small
 * arena moves the socket to a big one; a small read into a big one, with nothing else holding it,
 * moves it back. Otherwise the next read goes after this one, or at the start when nothing else holds
 * the arena, or into a fresh arena when the room left is too small.
 */
function nextArena(arena: Arena, bytes: number): Arena {
  const size = arena.bytes.length;
  const room = size - arena.used;
  arena.used += bytes;
  const alone = arena.holds === 1;
  let nextSize = size;
  if (size === SMALL_ARENA_BYTES && bytes === room) nextSize = BIG_ARENA_BYTES;
  else if (size === BIG_ARENA_BYTES && bytes < QUIET_READ_BYTES && alone) nextSize = SMALL_ARENA_BYTES;
  if (nextSize === size) {
    if (alone) arena.used = 0;
    if (size - arena.used >= minRoom(size)) return arena;
  }
  arena.release();
  return takeArena(nextSize);
}

function minRoom(size: number): number {
  return size === BIG_ARENA_BYTES ? 16 * 1024 : 512;
}
