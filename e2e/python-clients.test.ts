// Issue 14 proof: the clients behind Ansible, Fabric and deploy scripts (Debian's python3-paramiko and
// python3-asyncssh) against the agent through the relay, in both sftp modes: a 20 MiB put and get checked
// by sha256 (paramiko's get failed past 8 MiB when the built-in server refused its pipelined reads),
// symlink direction, posix-rename, hardlink, statvfs, fsync, and a remote forward whose connecting side
// half-closes. clients/python_sftp.py does the client side and prints JSON.
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { type AgentProc, cleanup, type Key, makeKey, proxyCommand, type RelayProc, run, startAgent, startRelay, tempDir } from './harness';
import { halfCloseClientScript, sha256 } from './net-helpers';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'clients/python_sftp.py');

/** Which of the two libraries Debian's python3 can import here (CI installs both). */
function available(module: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const clients = (['paramiko', 'asyncssh'] as const).filter((m) => {
  if (existsSync(PYTHON) && available(m)) return true;
  // .ci/run installs python3-paramiko and python3-asyncssh; say loudly when a machine lacks them.
  console.warn(`${m} is not importable by ${PYTHON}: its tests are skipped (apt-get install python3-${m})`);
  return false;
});

describe.each(['builtin', 'system'] as const)('python SSH clients through the relay, --sftp %s', (mode) => {
  let relay: RelayProc;
  let agent: AgentProc;
  let key: Key;
  let local: string;
  let bigSha: string;

  beforeAll(async () => {
    const dir = tempDir();
    key = makeKey(dir, 'person');
    local = join(dir, 'big.bin');
    const big = require('node:crypto').randomBytes(20 * 1024 * 1024 + 7);
    writeFileSync(local, big);
    bigSha = sha256(big);
    relay = await startRelay();
    agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey, '--sftp', mode, '--cwd', tempDir('converge-remote-')]);
  });
  afterAll(cleanup);

  it.each(clients)('%s: big transfer, symlink, rename, links, statvfs, fsync, -R with EOF', async (client) => {
    const remote = join(tempDir('converge-py-'), client);
    mkdirSync(remote);
    writeFileSync(join(remote, 'target.txt'), 'target\n');
    writeFileSync(join(remote, 'old.txt'), 'old\n');
    writeFileSync(join(remote, 'new.txt'), 'new\n');
    const config = {
      user: agent.info.user,
      key: key.privateKey,
      hostKey: agent.info.knownHostsLine.split(' ').slice(1, 3).join(' '),
      proxyCommand: proxyCommand(agent.info.clientUrl),
      local,
      // Each client works in its own directory (python_sftp.py changes to it first).
      cwd: remote,
      halfCloseClient: `${process.execPath} -e '${halfCloseClientScript('PORT', 'ping').replace(/'/g, `'\\''`)}'`,
    };
    const result = await run(PYTHON, [SCRIPT, client, JSON.stringify(config)], { timeoutMs: 120_000 });
    const out = JSON.parse(result.stdout.trim().split('\n').pop() || '{}');
    expect(out.error && JSON.stringify(out)).toBeUndefined();
    expect(out).toMatchObject({ ok: true });
    expect(out.sha256Back).toBe(bigSha);
    // paramiko sends the target as given; asyncssh makes it absolute first.
    const target = client === 'paramiko' ? 'target.txt' : join(remote, 'target.txt');
    expect(readlinkSync(join(remote, 'link'))).toBe(target);
    expect(out.readlink).toBe(target);
    expect(readFileSync(join(remote, 'old.txt'), 'utf8')).toBe('new\n');
    if (client === 'asyncssh') {
      expect(out.serverVersion).toMatch(/OpenSSH/);
      expect(statSync(join(remote, 'hard.txt')).ino).toBe(statSync(join(remote, 'target.txt')).ino);
      expect(out.statvfsBlockSize).toBeGreaterThan(0);
      expect(readFileSync(join(remote, 'synced.txt'), 'utf8')).toBe('synced\n');
      expect(out.remoteForwardReply).toBe('got 4 bytes: ping');
    }
    expect(lstatSync(join(remote, 'big.bin')).size).toBe(20 * 1024 * 1024 + 7);
  }, 150_000);
});
