// @converge/websocket: the data websockets, frame by frame over node:net and node:tls. Private; bundled
// into the relay, the agent and wsproxy. ws stays for the relay's control sockets, whose messages are parsed.
export { FrameSocket, type FrameSocketEvents, type FrameSocketOptions } from './frame-socket';
export { acceptFrameSocket, acceptKeyFor, type AcceptFrameSocket } from './server-handshake';
export { connectFrameSocket, HANDSHAKE_TIMEOUT_MESSAGE, UpgradeRefusedError, type ConnectOptions } from './client-handshake';
export { frameSocketEndpoint } from './endpoint';
export { frameSocketStream } from './stream';
export { heldUntil, holdArena, installReads } from './read-arenas';
