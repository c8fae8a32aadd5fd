// @converge/protocol: everything agent, relay, wsproxy and web must agree on. Pure: no IO.
export {
  ProtocolError,
  ProtocolErrorCode,
  RelayError,
  RelayErrorCode,
  RELAY_ERRORS,
  isRelayErrorCode,
  relayErrorForCloseCode,
  encodeHttpError,
  decodeHttpError,
} from './errors';
export {
  ID_ALPHABET,
  ID_MIN_LENGTH,
  ID_MAX_LENGTH,
  isValidId,
  validateId,
  generateId,
  generateConnectionId,
  isValidConnectionId,
  isHostKeyFingerprint,
  hostKeyAlias,
  type RandomBytes,
} from './ids';
export {
  ROUTES,
  parseRelayUrl,
  parseClientUrl,
  normalizeBasePath,
  agentUrl,
  clientUrl,
  dataUrl,
  fleetDataUrl,
  matchRoute,
  type RelayUrl,
  type RouteMatch,
} from './routes';
export {
  PROTOCOL_VERSION,
  MessageType,
  type AgentInfo,
  type ChallengeMessage,
  type ControlMessage,
  type HelloMessage,
  type WelcomeMessage,
  type OpenMessage,
  type OpenFailedMessage,
  type HeartbeatMessage,
  type ErrorMessage,
  type StatusMessage,
  type SessionMessage,
  type JobStateName,
  type SessionKindName,
} from './messages';
export { encodeMessage, decodeMessage, MAX_CONTROL_MESSAGE_BYTES } from './codec';
export {
  pipeEndpoints,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_LOW_WATER_MARK,
  type Pipe,
  type PipeEndpoint,
  type PipeOptions,
  type PipeResult,
} from './pipe';
export {
  streamEndpoint,
  closeCodeOf,
  closeError,
  PipeClosedError,
  type ReadableLike,
  type WritableLike,
} from './endpoints';
export {
  FrameReader,
  Opcode,
  encodeFrameHeader,
  encodeClosePayload,
  decodeClosePayload,
} from './ws-frames';
export { ExitCode, EXIT_CODE_MEANINGS, exitCodeHelp } from './exit-codes';
export { describeConnectError, type ConnectFailure, type ConnectFailureKind } from './connect-errors';
export { DEFAULT_HEARTBEAT_MS, DEFAULT_OPEN_TIMEOUT_MS, MAX_DATA_FRAME_BYTES, zeroMask } from './constants';
export {
  API_PATHS,
  type AgentSummary,
  type ClientSummary,
  type JobState,
  type SessionKind,
  type SessionsSnapshot,
} from './api';
export { parseDuration, formatDuration } from './duration';
export { claimPayload, parseEd25519HostKey } from './claim';
export { escapeControl } from './escape';
