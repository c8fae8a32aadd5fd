// Issue 14 proof: OpenSSH's own regression tests (regress/*.sh of the installed OpenSSH's source, fetched
// by scripts/fetch-openssh-regress.sh, which .ci/run calls) against the agent through the relay: all of
// them with --sftp builtin, and those that touch the sftp server again with --sftp system.
// openssh-regress/test-exec.sh replaces upstream's driver: it points the tests at the agent instead of
// starting sshd. Every part must pass except the server parts SERVER_PARTS lists, with why.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentProc, cleanup, type Key, makeKey, proxyCommand, type RelayProc, ROOT, run, startAgent, startRelay, tempDir } from './harness';

const REGRESS_DIR = process.env.CONVERGE_OPENSSH_REGRESS ?? join(ROOT, '.cache/openssh-regress/regress');
const DRIVER = join(__dirname, 'openssh-regress/test-exec.sh');

/** The tests issue 14 names; every one runs against the builtin-mode agent. */
export const REGRESS = [
  'connect', 'connect-uri', 'proxy-connect', 'exit-status', 'exit-status-signal', 'stderr-data', 'stderr-after-eof',
  'transfer', 'yes-head', 'envpass', 'forwarding', 'dynamic-forward', 'multiplex', 'localcommand', 'kextype',
  'try-ciphers', 'rekey', 'sftp', 'sftp-batch', 'sftp-badcmds', 'sftp-cmds', 'sftp-glob', 'sftp-perm', 'sftp-uri',
  'scp', 'scp3', 'scp-uri',
] as const;

/** Only these touch the sftp server, so only these run again against the system-mode agent. */
const SFTP_TESTS = new Set<string>(['sftp', 'sftp-batch', 'sftp-badcmds', 'sftp-cmds', 'sftp-glob', 'sftp-perm', 'sftp-uri', 'scp', 'scp3', 'scp-uri']);

interface ServerPart {
  /** A FAIL/FATAL line of the regress log that comes from a part that configures sshd itself. */
  readonly line: RegExp;
  /** How many times it may appear (the same words also come from client parts). */
  readonly times: number;
}

/**
 * The parts of these tests that configure the server (sshd_config/sshd_proxy, sftp-server flags, sshd -T)
 * cannot apply to an agent, whose settings are its flags; their failure lines are expected, and only
 * those. Every other part of these tests must pass.
 */
export const SERVER_PARTS: Record<string, { why: string; parts: ServerPart[] }> = {
  'proxy-connect': {
    why: 'asserts what sshd -i sees on a pipe (SSH_CONNECTION "UNKNOWN 65535 UNKNOWN 65535"); through the relay the agent knows the client address and reports it, with the unknown ports as sshd writes them',
    parts: [{ line: /^FAIL: bad SSH_CONNECTION comp=(no|yes): {2}127\.0\.0\.1 65535 UNKNOWN 65535$/, times: 2 }],
  },
  envpass: {
    why: 'the two "server setenv" cases write SetEnv into sshd_proxy',
    parts: [{ line: /^FAIL: environment not found$/, times: 2 }],
  },
  rekey: {
    why: '"server rekeylimit" writes RekeyLimit into sshd_proxy (the agent never starts a rekey: the client does); "rekeylimit parsing" runs sshd -T',
    parts: [
      { line: /^FAIL: no rekeying occurred$/, times: 6 },
      { line: /^(FAIL|FATAL): rekeylimit size: expected 16 bytes got $/, times: 2 },
    ],
  },
  'sftp-perm': {
    why: 'read-only, blacklisted and whitelist cases pass -R, -P and -p to sftp-server; the "plain" and "whitelisted" cases must pass',
    parts: [
      { line: /^FAIL: (read-only|blacklisted|no whitelist) [a-z-]+ succeeded$/, times: Infinity },
      { line: /^FAIL: postcondition check failed: [a-z-]+ (readonly|blacklisted|not in whitelist)$/, times: Infinity },
    ],
  },
};

/** The FAIL/FATAL lines the log holds that no server part explains. */
function unexpectedFailures(name: string, log: string): string[] {
  const parts = (SERVER_PARTS[name]?.parts ?? []).map((p) => ({ ...p, left: p.times }));
  return log.split('\n').filter((line) => /^(FAIL|FATAL): /.test(line)).filter((line) => {
    const part = parts.find((p) => p.left > 0 && p.line.test(line));
    if (!part) return true;
    part.left--;
    return false;
  });
}

const available = existsSync(join(REGRESS_DIR, 'test-exec.sh'));
if (!available) {
  // .ci/run fetches them; a machine without network access to the Debian mirror says so.
  console.warn(`OpenSSH regression tests not found in ${REGRESS_DIR}: skipped (run scripts/fetch-openssh-regress.sh)`);
}

/** What the agent offers, read from ssh -vv's "peer server KEXINIT proposal". */
async function offeredAlgorithms(args: string[], dir: string): Promise<string> {
  const result = await run('ssh', ['-vv', ...args, 'true']);
  const proposal = result.stderr.split('peer server KEXINIT proposal')[1] ?? '';
  const list = (label: string) => (new RegExp(`debug2: ${label}: (.*)`).exec(proposal)?.[1] ?? '').split(',').join('\n');
  const out = join(dir, 'algorithms');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'kex'), `${list('KEX algorithms')}\n`);
  writeFileSync(join(out, 'cipher'), `${list('ciphers ctos')}\n`);
  writeFileSync(join(out, 'mac'), `${list('MACs ctos')}\n`);
  return out;
}

const describeRegress = available ? describe.each(['builtin', 'system'] as const) : describe.skip.each(['builtin', 'system'] as const);

describeRegress('OpenSSH regression tests against the agent through the relay, --sftp %s', (mode) => {
  let relay: RelayProc;
  let agent: AgentProc;
  let key: Key;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = tempDir('converge-regress-');
    key = makeKey(dir, 'person');
    relay = await startRelay();
    // envpass expects the variables upstream's sshd_config accepts (AcceptEnv _XXX_TEST_* _XXX_TEST).
    agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey, '--sftp', mode, '--listen', '127.0.0.1:0', '--accept-env', '_XXX_TEST_*,_XXX_TEST']);
    const port = (agent.info as unknown as { listen: { port: number } }).listen.port;
    const hostKey = agent.info.knownHostsLine.split(' ').slice(1, 3).join(' ');
    const known = join(dir, 'known_hosts');
    writeFileSync(known, `converge-agent ${hostKey}\n`);
    const proxy = proxyCommand(agent.info.clientUrl);
    const algorithms = await offeredAlgorithms(['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`, '-o', 'HostKeyAlias=converge-agent', '-i', key.privateKey, '-o', 'IdentitiesOnly=yes', '-o', `ProxyCommand=${proxy}`, 'x'], dir);
    env = { CONVERGE_PROXY: proxy, CONVERGE_KEY: key.privateKey, CONVERGE_HOST_KEY: hostKey, CONVERGE_PORT: String(port), CONVERGE_ALGORITHMS: algorithms, TEST_SSH_QUIET: 'yes' };
  }, 60_000);
  afterAll(cleanup);

  it.each(REGRESS.filter((name) => mode === 'builtin' || SFTP_TESTS.has(name)))('%s', async (name) => {
    const obj = join(dir, `obj-${name}`);
    mkdirSync(obj);
    const result = await run('sh', [DRIVER, obj, join(REGRESS_DIR, `${name}.sh`)], { env, timeoutMs: 280_000 });
    const log = readFileSync(join(obj, 'log/regress.log'), 'utf8');
    // The test's own FAIL lines are the message; the server parts listed above are expected to fail.
    expect(unexpectedFailures(name, log)).toEqual([]);
    if (!SERVER_PARTS[name]) expect(result.code).toBe(0);
  }, 300_000);
});
