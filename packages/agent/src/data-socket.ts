// One data websocket per SSH connection, opened when the relay asks (`open`), as a Duplex for ssh2.
// Frames go both ways without ws (@converge/websocket): ssh2's writes made together (the length, the
// ciphertext and the MAC of each packet) leave as one frame in one writev, and what arrives is handed to
// ssh2 as it comes off the socket, without reassembling or copying messages.
import { dataUrl, MAX_DATA_FRAME_BYTES, type RelayUrl } from '@converge/protocol';
import { connectFrameSocket, frameSocketStream, UpgradeRefusedError } from '@converge/websocket';
import type { Duplex } from 'node:stream';

export const DATA_SOCKET_TIMEOUT_MS = 10_000;

/** Resolves with the open socket as a stream, or rejects with a short reason for `open-failed`. */
export async function openDataSocket(relay: RelayUrl, connectionId: string, timeoutMs = DATA_SOCKET_TIMEOUT_MS): Promise<Duplex> {
  try {
    return frameSocketStream(await connectFrameSocket(dataUrl(relay, connectionId), { maxFrameBytes: MAX_DATA_FRAME_BYTES, timeoutMs }));
  } catch (error) {
    if (!(error instanceof UpgradeRefusedError)) throw new Error(`data socket failed: ${(error as Error).message}`);
    error.response.destroy();
    throw new Error(`data socket refused with HTTP ${error.status}`);
  }
}
