// A FrameSocket as one end of the one pipe, with the protocol package's close rules (closeCodeOf,
// closeError): a normal close ends the pipe quietly, any other code or a violation is passed to the other side.
import { closeCodeOf, closeError, type PipeEndpoint } from '@converge/protocol';
import type { FrameSocket } from './frame-socket';

export function frameSocketEndpoint(socket: FrameSocket): PipeEndpoint {
  return {
    send: (chunk, done) => socket.send(chunk, done),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close(error) {
      if (!socket.open) return;
      if ((error as { abort?: unknown } | undefined)?.abort === true) return socket.terminate();
      socket.close(closeCodeOf(error), error ? error.message.slice(0, 120) : '');
    },
    start(onData, onEnd) {
      socket.on('data', onData);
      socket.once('close', (code, reason, violation) => onEnd(violation ?? closeError(code, reason)));
      // A client socket is handed over paused (connectFrameSocket): it flows once someone listens.
      if (socket.isPaused) socket.resume();
    },
  };
}
