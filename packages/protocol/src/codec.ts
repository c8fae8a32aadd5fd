// Pure encoder and decoder of control messages. The decoder takes one websocket frame (text or bytes)
// and returns one typed message, or throws a ProtocolError with a stable code: never anything else.
import { ProtocolError, ProtocolErrorCode } from './errors';
import { isValidConnectionId, isValidId } from './ids';
import { type ControlMessage, MessageType, PROTOCOL_VERSION } from './messages';

/** Largest control frame either side accepts. */
export const MAX_CONTROL_MESSAGE_BYTES = 64 * 1024;

type Check = (value: unknown) => boolean;
interface Field {
  readonly name: string;
  readonly check: Check;
  readonly optional?: boolean;
  readonly expect: string;
}

const text = (max: number): Check => (v) => typeof v === 'string' && v.length <= max;
const id: Check = isValidId;
const connectionId: Check = isValidConnectionId;
const integer = (min: number, max: number): Check => (v) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const oneOf = (...values: string[]): Check => (v) => typeof v === 'string' && values.includes(v);
const bool: Check = (v) => typeof v === 'boolean';
const pattern = (re: RegExp): Check => (v) => typeof v === 'string' && re.test(v);

const AGENT_INFO: readonly Field[] = [
  { name: 'hostname', check: text(255), expect: 'a string' },
  { name: 'os', check: text(255), expect: 'a string' },
  { name: 'arch', check: text(64), expect: 'a string' },
  { name: 'user', check: text(255), expect: 'a string' },
  { name: 'cwd', check: text(4096), expect: 'a string' },
  { name: 'version', check: text(64), expect: 'a string' },
];
const agentInfo: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && fieldError(v as Record<string, unknown>, AGENT_INFO) === undefined;

/** Field order here is the order on the wire, so encodings are stable (golden tests rely on it). */
const SCHEMAS: Record<MessageType, readonly Field[]> = {
  [MessageType.challenge]: [{ name: 'nonce', check: pattern(/^[A-Za-z0-9_-]{43}$/), expect: '32 bytes in base64url' }],
  [MessageType.hello]: [
    { name: 'agent', check: agentInfo, expect: 'agent info {hostname, os, arch, user, cwd, version}' },
    { name: 'requestedId', check: id, optional: true, expect: 'a valid id' },
    { name: 'hostKey', check: pattern(/^ssh-ed25519 [A-Za-z0-9+/]{68}$/), expect: 'an ssh-ed25519 public key' },
    { name: 'signature', check: pattern(/^[A-Za-z0-9+/]{86}==$/), expect: 'an ed25519 signature in base64' },
    { name: 'token', check: text(4096), optional: true, expect: 'a string' },
  ],
  [MessageType.welcome]: [
    { name: 'id', check: id, expect: 'a valid id' },
    { name: 'idSource', check: oneOf('requested', 'generated', 'resumed'), expect: 'requested, generated or resumed' },
    { name: 'heartbeatMs', check: integer(100, 3_600_000), expect: 'milliseconds' },
    { name: 'requestedId', check: id, optional: true, expect: 'a valid id' },
    { name: 'allowShell', check: bool, optional: true, expect: 'a boolean' },
    { name: 'allowForwarding', check: bool, optional: true, expect: 'a boolean' },
  ],
  [MessageType.open]: [
    { name: 'connectionId', check: connectionId, expect: 'a connection id' },
    { name: 'clientAddress', check: text(256), optional: true, expect: 'a string' },
  ],
  [MessageType.openFailed]: [
    { name: 'connectionId', check: connectionId, expect: 'a connection id' },
    { name: 'reason', check: text(1024), expect: 'a string' },
  ],
  [MessageType.heartbeat]: [
    { name: 'sentAt', check: integer(0, Number.MAX_SAFE_INTEGER), expect: 'a timestamp' },
    { name: 'reply', check: bool, optional: true, expect: 'a boolean' },
  ],
  [MessageType.error]: [
    { name: 'code', check: text(64), expect: 'a string' },
    { name: 'message', check: text(1024), expect: 'a string' },
  ],
  [MessageType.status]: [
    { name: 'jobState', check: oneOf('none', 'running', 'succeeded', 'failed'), optional: true, expect: 'none, running, succeeded or failed' },
    { name: 'jobCommand', check: text(1024), optional: true, expect: 'a string' },
    { name: 'jobExitCode', check: integer(-1, 255), optional: true, expect: 'an exit code' },
    { name: 'expiresAt', check: integer(0, Number.MAX_SAFE_INTEGER), optional: true, expect: 'a timestamp' },
    { name: 'hold', check: bool, optional: true, expect: 'a boolean' },
  ],
  [MessageType.session]: [
    { name: 'connectionId', check: connectionId, expect: 'a connection id' },
    { name: 'event', check: oneOf('opened', 'closed', 'authenticated'), expect: 'opened, closed or authenticated' },
    { name: 'kind', check: oneOf('shell', 'exec', 'sftp', 'forward'), expect: 'shell, exec, sftp or forward' },
  ],
};

function fieldError(object: Record<string, unknown>, fields: readonly Field[]): string | undefined {
  for (const field of fields) {
    const value = object[field.name];
    if (value === undefined && field.optional) continue;
    if (!field.check(value)) return `field ${field.name} must be ${field.expect}`;
  }
  return undefined;
}

function pick(object: Record<string, unknown>, fields: readonly Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = object[field.name];
    if (value === undefined) continue;
    out[field.name] = field.name === 'agent' ? pick(value as Record<string, unknown>, AGENT_INFO) : value;
  }
  return out;
}

function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SCHEMAS, value);
}

/** Encodes a message as the JSON text of one frame. Throws INVALID_FIELD rather than send garbage. */
export function encodeMessage(message: ControlMessage): string {
  const fields = SCHEMAS[message.type];
  const problem = fieldError(message as unknown as Record<string, unknown>, fields);
  if (problem) throw new ProtocolError(ProtocolErrorCode.INVALID_FIELD, `cannot encode ${message.type}: ${problem}`);
  const body = { v: PROTOCOL_VERSION, type: message.type, ...pick(message as unknown as Record<string, unknown>, fields) };
  const encoded = JSON.stringify(body);
  if (utf8Length(encoded) > MAX_CONTROL_MESSAGE_BYTES) {
    throw new ProtocolError(ProtocolErrorCode.MESSAGE_TOO_LARGE, `cannot encode ${message.type}: larger than ${MAX_CONTROL_MESSAGE_BYTES} bytes`);
  }
  return encoded;
}

/** UTF-8 size of a string without Buffer, so the codec also runs in a browser. */
function utf8Length(value: string): number {
  let size = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) size += 1;
    else if (c < 0x800) size += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      size += 4;
      i++;
    } else size += 3;
  }
  return size;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes one frame. Unknown fields are ignored (newer peers may add some); unknown types are not. */
export function decodeMessage(frame: string | Uint8Array, maxBytes = MAX_CONTROL_MESSAGE_BYTES): ControlMessage {
  const size = typeof frame === 'string' ? utf8Length(frame) : frame.byteLength;
  if (size > maxBytes) {
    throw new ProtocolError(ProtocolErrorCode.MESSAGE_TOO_LARGE, `control message of ${size} bytes exceeds ${maxBytes}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof frame === 'string' ? frame : utf8.decode(frame));
  } catch (cause) {
    throw new ProtocolError(ProtocolErrorCode.MALFORMED_MESSAGE, 'control message is not UTF-8 JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolError(ProtocolErrorCode.MALFORMED_MESSAGE, 'control message is not a JSON object');
  }
  const object = parsed as Record<string, unknown>;
  if (object.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      ProtocolErrorCode.UNSUPPORTED_VERSION,
      `protocol version ${JSON.stringify(object.v) ?? 'missing'} is not supported (this side speaks ${PROTOCOL_VERSION})`,
    );
  }
  if (!isMessageType(object.type)) {
    const shown = typeof object.type === 'string' ? JSON.stringify(object.type.slice(0, 40)) : 'missing';
    throw new ProtocolError(ProtocolErrorCode.UNKNOWN_MESSAGE_TYPE, `unknown control message type ${shown}`);
  }
  const fields = SCHEMAS[object.type];
  const problem = fieldError(object, fields);
  if (problem) throw new ProtocolError(ProtocolErrorCode.INVALID_FIELD, `${object.type}: ${problem}`);
  return { type: object.type, ...pick(object, fields) } as unknown as ControlMessage;
}
