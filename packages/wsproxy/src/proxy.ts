// The proxy: one websocket to the relay's client URL, piped to a readable/writable pair (stdin and
// stdout when ssh runs us as its ProxyCommand) with backpressure both ways. Resolves when the session
// ends; rejects with a ProxyError that says, in one line, why it could not start or was cut.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  clientUrl,
  decodeHttpError,
  escapeControl,
  MAX_DATA_FRAME_BYTES,
  parseClientUrl,
  type Pipe,
  type PipeEndpoint,
  pipeEndpoints,
  relayErrorForCloseCode,
  RelayErrorCode,
  type ReadableLike,
  type WritableLike,
} from '@converge/protocol';
import { connectFrameSocket, type FrameSocket, frameSocketEndpoint, UpgradeRefusedError } from '@converge/websocket';
import { classifyConnectError, ProxyError, ProxyExitCode } from './errors';
import { HostKeyGate, HostKeyMismatchError } from './host-key-gate';
import { localEndpoint } from './local-endpoint';
import { VERSION } from './version';

export interface ProxyOptions {
  /** `ws(s)://HOST[:PORT][/base]/client/<id>` (http(s) accepted). */
  readonly url: string;
  readonly input: ReadableLike;
  readonly output: WritableLike;
  readonly connectTimeoutMs: number;
  /** CA certificates for wss (see ca.ts); Node's defaults when absent. */
  readonly ca?: string[];
  /** `SHA256:...`: the agent's host key must have this fingerprint, or nothing reaches ssh. */
  readonly hostKey?: string;
  readonly debug?: (message: string) => void;
}

export interface ProxyResult {
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

const MAX_ERROR_BODY = 4096;

export async function runProxy(options: ProxyOptions): Promise<ProxyResult> {
  let target: string;
  try {
    const parsed = parseClientUrl(options.url);
    target = clientUrl(parsed.relay, parsed.id);
  } catch (error) {
    throw new ProxyError((error as Error).message, ProxyExitCode.usage, { cause: error });
  }
  const pipe = await connect(target, options);
  options.debug?.(`connected to ${target}`);
  const result = await pipe.closed;
  if (result.error instanceof HostKeyMismatchError) {
    throw new ProxyError(`host key check failed: ${result.error.message}; not connecting (the job log prints the agent's real key)`, ProxyExitCode.hostKey, { cause: result.error });
  }
  options.debug?.(`session ended by ${result.endedBy === 'a' ? 'ssh' : 'the relay'}: ${result.bytesAtoB} bytes sent, ${result.bytesBtoA} received`);
  if (result.endedBy === 'b' && result.error) {
    const closeCode = (result.error as { closeCode?: number }).closeCode ?? 1006;
    const relayCode = relayErrorForCloseCode(closeCode);
    const why = escapeControl(relayCode ? `${result.error.message} (${relayCode})` : result.error.message);
    throw new ProxyError(`connection lost: ${why}`, ProxyExitCode.lost, { cause: result.error });
  }
  return { bytesSent: result.bytesAtoB, bytesReceived: result.bytesBtoA };
}

/** Opens the websocket and pipes it. The socket comes paused and flows once the pipe listens, so the
 *  relay's first bytes (the agent's SSH banner), which can arrive with the 101, are not lost. */
async function connect(target: string, options: ProxyOptions): Promise<Pipe> {
  let frames: FrameSocket;
  try {
    frames = await connectFrameSocket(target, {
      maxFrameBytes: MAX_DATA_FRAME_BYTES,
      timeoutMs: options.connectTimeoutMs,
      headers: { 'user-agent': `converge-wsproxy/${VERSION}` },
      recycledReads: true,
      ...(options.ca && { ca: options.ca }),
    });
  } catch (error) {
    if (!(error instanceof UpgradeRefusedError)) throw classifyConnectError(error as NodeJS.ErrnoException, target);
    const body = await readBody(error.response).catch(() => '');
    throw refusal(error.status, body, target);
  }
  const local = localEndpoint(options.input, options.output);
  return pipeEndpoints(options.hostKey ? gated(local, new HostKeyGate(options.hostKey, sshFingerprint), options) : local, frameSocketEndpoint(frames));
}

/** `SHA256:<base64 without padding>` of a public key blob, as ssh-keygen -l prints it. */
export function sshFingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The local endpoint, with the agent's bytes held by the gate until its host key matched. */
function gated(local: PipeEndpoint, gate: HostKeyGate, options: ProxyOptions): PipeEndpoint {
  return {
    ...local,
    send(chunk, done) {
      let out: Uint8Array;
      try {
        out = gate.push(chunk);
      } catch (error) {
        return done(error as Error);
      }
      if (gate.verified && options.debug) {
        options.debug(`agent host key ${gate.verified} matches --host-key`);
        options = { ...options, debug: undefined };
      }
      if (out.length === 0) return done();
      local.send(out, done);
    },
  };
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_ERROR_BODY) response.destroy();
    });
    response.on('end', () => resolve(body));
    response.on('close', () => resolve(body));
    response.on('error', reject);
  });
}

function refusal(status: number, body: string, target: string): ProxyError {
  const reason = decodeHttpError(body);
  if (reason?.code === RelayErrorCode.UNKNOWN_ID) return new ProxyError(`${escapeControl(reason.message)} (is the agent still running?)`, ProxyExitCode.unknownId);
  if (reason) return new ProxyError(`the relay refused: ${escapeControl(reason.message)} (${reason.code})`, ProxyExitCode.refused);
  return new ProxyError(`the relay at ${target} answered HTTP ${status}, not a websocket (is this a Converge relay?)`, ProxyExitCode.refused);
}
