// The relay's data path: client and data websockets after their upgrade, forwarded frame by frame.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FrameSocket } from './frame-socket';

export { acceptFrameSocket, FrameSocket } from './frame-socket';
export { frameSocketEndpoint } from './endpoint';

/** Completes a client's or a data socket's upgrade; undefined when the socket is already gone. */
export type AcceptDataSocket = (request: IncomingMessage, socket: Duplex, head: Buffer) => FrameSocket | undefined;
