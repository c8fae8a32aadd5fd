// Issue 3 proof, files through the relay with the real OpenSSH tools in both sftp modes: an sftp -b
// batch of every common operation, scp both ways (SFTP protocol), legacy scp -O (exec of scp), rsync -a
// both ways over exec, and a big file put and got back byte-identical (CONVERGE_E2E_BIG_MIB, default 64).
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AgentProc, cleanup, type Key, knownHostsFor, makeKey, type RelayProc, run, sshOptions, startAgent, startRelay, tempDir,
} from './harness';
import { sha256 } from './net-helpers';

const BIG_MIB = Number(process.env.CONVERGE_E2E_BIG_MIB ?? 64);

/** One string for rsync -e / ssh: every argument single-quoted. */
const shellJoin = (args: string[]) => args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');

describe.each(['system', 'builtin'] as const)('files through the relay, --sftp %s', (mode) => {
  let relay: RelayProc;
  let agent: AgentProc;
  let key: Key;
  let local: string;
  let remote: string;
  let opts: string[];
  let target: string;

  beforeAll(async () => {
    const dir = tempDir();
    key = makeKey(dir, 'person');
    local = tempDir('converge-local-');
    remote = tempDir('converge-remote-');
    relay = await startRelay();
    // --cwd: sftp, scp and rsync relative paths start there.
    agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey, '--sftp', mode, '--cwd', remote]);
    opts = sshOptions(agent.info, key, knownHostsFor(agent.info, dir));
    target = `${agent.info.user}@${agent.info.id}`;
  });
  afterAll(cleanup);

  const sftpBatch = (commands: string[]) => run('sftp', [...opts, '-b', '-', target], { input: `${commands.join('\n')}\n` });

  it('sftp -b: mkdir, put, ls, rename, chmod, symlink, get, rm, rmdir', async () => {
    writeFileSync(join(local, 'a.txt'), 'alpha\n');
    const first = await sftpBatch(['mkdir d', `put ${join(local, 'a.txt')} d/a.txt`, 'ls d', 'rename d/a.txt d/b.txt', 'chmod 600 d/b.txt', 'symlink b.txt d/link', 'ls -l d']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/d\/a\.txt/);
    expect(first.stdout).toMatch(/-rw------- .*b\.txt/);
    expect(readFileSync(join(remote, 'd/b.txt'), 'utf8')).toBe('alpha\n');
    expect(lstatSync(join(remote, 'd/b.txt')).mode & 0o777).toBe(0o600);
    expect(readlinkSync(join(remote, 'd/link'))).toBe('b.txt');
    const second = await sftpBatch([`get d/link ${join(local, 'back.txt')}`, 'rm d/link', 'rm d/b.txt', 'rmdir d']);
    expect(second.code).toBe(0);
    expect(readFileSync(join(local, 'back.txt'), 'utf8')).toBe('alpha\n');
    expect(readdirSync(remote)).not.toContain('d');
  });

  it('scp both ways (SFTP protocol) and legacy scp -O (exec of scp)', async () => {
    writeFileSync(join(local, 'up.bin'), Buffer.alloc(300_000, 7));
    for (const legacy of [[], ['-O']]) {
      const name = `up${legacy.length}.bin`;
      const up = await run('scp', [...legacy, ...opts, join(local, 'up.bin'), `${target}:${name}`]);
      expect(up).toMatchObject({ code: 0, stderr: '' });
      expect(readFileSync(join(remote, name)).equals(readFileSync(join(local, 'up.bin')))).toBe(true);
      const down = await run('scp', [...legacy, ...opts, `${target}:${name}`, join(local, `down-${name}`)]);
      expect(down).toMatchObject({ code: 0, stderr: '' });
      expect(readFileSync(join(local, `down-${name}`)).equals(readFileSync(join(local, 'up.bin')))).toBe(true);
    }
  });

  it('rsync -a of a small tree both ways (exec of rsync)', async () => {
    const tree = join(local, 'tree');
    mkdirSync(join(tree, 'sub/deeper'), { recursive: true });
    writeFileSync(join(tree, 'one.txt'), 'one\n');
    writeFileSync(join(tree, 'sub/two.txt'), 'two\n');
    writeFileSync(join(tree, 'sub/deeper/three.bin'), Buffer.alloc(100_000, 3));
    execFileSync('chmod', ['751', join(tree, 'sub')]);
    const rsh = shellJoin(['ssh', ...opts]);
    const up = await run('rsync', ['-a', '-e', rsh, `${tree}/`, `${target}:tree/`]);
    expect(up).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(remote, 'tree/sub/two.txt'), 'utf8')).toBe('two\n');
    expect(lstatSync(join(remote, 'tree/sub')).mode & 0o777).toBe(0o751);
    writeFileSync(join(remote, 'tree/added-remotely.txt'), 'remote\n');
    const down = await run('rsync', ['-a', '-e', rsh, `${target}:tree/`, join(local, 'back/')]);
    expect(down).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(local, 'back/added-remotely.txt'), 'utf8')).toBe('remote\n');
    expect(readFileSync(join(local, 'back/sub/deeper/three.bin')).equals(Buffer.alloc(100_000, 3))).toBe(true);
  });

  it(`a ${BIG_MIB} MiB file put and got back byte-identical`, async () => {
    const big = join(local, 'big.bin');
    execFileSync('sh', ['-c', `head -c ${BIG_MIB * 1024 * 1024} /dev/urandom > '${big}'`]);
    const expected = sha256(readFileSync(big));
    const started = Date.now();
    const put = await sftpBatch([`put ${big} big.bin`]);
    const putMs = Date.now() - started;
    expect(put.code).toBe(0);
    const got = await sftpBatch([`get big.bin ${join(local, 'big-back.bin')}`]);
    const getMs = Date.now() - started - putMs;
    expect(got.code).toBe(0);
    expect(sha256(readFileSync(join(remote, 'big.bin')))).toBe(expected);
    expect(sha256(readFileSync(join(local, 'big-back.bin')))).toBe(expected);
    const rate = (ms: number) => `${(ms / 1000).toFixed(1)} s, ${((BIG_MIB * 1000) / ms).toFixed(1)} MiB/s`;
    process.stdout.write(`[${mode}] ${BIG_MIB} MiB put ${rate(putMs)}; get ${rate(getMs)}\n`);
  }, 60_000 + BIG_MIB * 2_000);
});
