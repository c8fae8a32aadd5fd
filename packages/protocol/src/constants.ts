// Numbers both sides must agree on.

/** How often the relay pings agents and clients; a peer silent for two intervals is dropped. */
export const DEFAULT_HEARTBEAT_MS = 20_000;
/** How long a client waits at the relay for its agent to open the data socket. */
export const DEFAULT_OPEN_TIMEOUT_MS = 10_000;
/** Largest binary frame on a client or data socket (ssh2 and wsproxy send far smaller ones). */
export const MAX_DATA_FRAME_BYTES = 1024 * 1024;

/**
 * An all-zero masking key, as a `generateMask` option for a `ws` client: what our own websocket clients
 * (agent data sockets, wsproxy, relay-to-relay links) send too. RFC 6455 masks client frames so that
 * script in a browser cannot put bytes of its choosing on the wire and poison a confused intermediary's
 * cache. Our clients are no browsers and carry SSH ciphertext, which nobody can choose; a zero key lets
 * the sender skip masking and the relay skip unmasking (measured: relay CPU per GiB relayed about
 * halved). Servers must still accept any key, and the relay does.
 */
export function zeroMask(mask: Uint8Array): void {
  mask.fill(0);
}
