// @converge/wsproxy: stdin/stdout <-> a relay's client websocket, for ssh's ProxyCommand.
export { runProxy, type ProxyOptions, type ProxyResult } from './proxy';
export { ProxyError, ProxyExitCode, classifyConnectError } from './errors';
export { trustedCertificates } from './ca';
