// Numbers both sides must agree on.

/** How often the relay pings agents and clients; a peer silent for two intervals is dropped. */
export const DEFAULT_HEARTBEAT_MS = 20_000;
/** How long a client waits at the relay for its agent to open the data socket. */
export const DEFAULT_OPEN_TIMEOUT_MS = 10_000;
/** Largest binary frame on a client or data socket (ssh2 and wsproxy send far smaller ones). */
export const MAX_DATA_FRAME_BYTES = 1024 * 1024;
