// @converge/testkit: what the unit and e2e tests share. Private; nothing here reaches a bundle.
export { waitFor, type WaitOptions } from './wait';
export { childPids, childPidsNamed, fdCount, rssKiB, openFdsUnder } from './processes';
export { writeRandomFile, sha256File } from './files';
export { ssh2HostKey, tempKeys, type TempKeys } from './keys';
export { silentLog, captureLog, captureLogWithMeta } from './log';
export { run, runSsh, sshArgs, sshOptions, sftpBatch, spawnSftpBatch, scp, type RunResult, type ListeningAgent } from './openssh';
export { startTestServer, type TestServer, type TestServerOptions } from './ssh-server';
export { PKT, RawSftp, packet, statusOf, str, stringOf, u32, u64, type Reply } from './raw-sftp';
export { FakeRelay, type FakeRelayOptions } from './fake-relay';
export { handshake, readChallenge, signedHello, testHostKey, type TestHostKey } from './agent-hello';
export { startTestAgent, TEST_AGENT_DEFAULTS } from './agent';
export { sendRawUpgrade } from './raw-upgrade';
export { accepts, freePort, loopbackPair, waitForPort } from './ports';
