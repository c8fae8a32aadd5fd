// The local end of wsproxy's pipe: stdin and stdout when ssh runs us. What comes from the relay may lie
// in a recycled read arena (@converge/websocket's read-arenas.ts), so each write to the output holds its
// arena until written. An input that is a pipe or a socket (ssh gives us pipes) reads into arenas too;
// the websocket's send holds those.
import { Socket } from 'node:net';
import { type PipeEndpoint, type ReadableLike, streamEndpoint, type WritableLike } from '@converge/protocol';
import { heldUntil, installReads } from '@converge/websocket';

export function localEndpoint(input: ReadableLike, output: WritableLike): PipeEndpoint {
  const stream = streamEndpoint(input, output);
  return {
    ...stream,
    send: (chunk, done) => stream.send(chunk, heldUntil(chunk, done)),
    start(onData, onEnd) {
      // Before the stream's own listeners: its 'data' listener starts the reads, into arenas by then.
      if (input instanceof Socket && !(input as { isTTY?: boolean }).isTTY) installReads(input, onData);
      stream.start(onData, onEnd);
    },
  };
}
