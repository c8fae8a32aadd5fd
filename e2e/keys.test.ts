// Issue 3 proof, key sources through the relay: --github-user / --gitlab-user against a local key
// server, a failed fetch as one line (exit 2 when no key is left), and live edits of the authorized keys
// file: a key added logs in at once, a key removed cannot start new connections, a broken line is
// reported with its line number and skipped.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  cleanup, CLI, type Key, knownHostsFor, makeKey, type RelayProc, run, ssh, startAgent, startRelay, tempDir, waitFor,
} from './harness';

/** Retries `probe` until it returns true (file watching is asynchronous), at most ~10 s. */
async function eventually(probe: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

describe('key sources', () => {
  let relay: RelayProc;
  let dir: string;
  let keyServer: Server;
  let keyBase: string;
  const published: Record<string, string> = {};

  beforeAll(async () => {
    dir = tempDir();
    relay = await startRelay();
    keyServer = createServer((req, res) => {
      const m = /^\/([^/]+)\.keys$/.exec(req.url ?? '');
      const body = m ? published[decodeURIComponent(m[1]!)] : undefined;
      if (body === undefined) {
        res.statusCode = 404;
        return void res.end('Not Found');
      }
      res.end(body);
    });
    await new Promise<void>((r) => keyServer.listen(0, '127.0.0.1', r));
    keyBase = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await cleanup();
    keyServer.closeAllConnections();
    await new Promise((r) => keyServer.close(r));
  });

  it('--github-user and --gitlab-user keys log in; the agent lists them; a failed fetch is one line', async () => {
    const hub = makeKey(dir, 'octo-hub');
    const lab = makeKey(dir, 'octo-lab');
    published.octocat = `${hub.publicLine}\n`;
    published['lab.user'] = `${lab.publicLine}\n`;
    const agent = await startAgent(
      relay.wsUrl,
      ['--github-user', 'octocat', '--github-user', 'ghost', '--gitlab-user', 'lab.user', '--gitlab-url', keyBase],
      { CONVERGE_GITHUB_URL: keyBase },
    );
    const known = knownHostsFor(agent.info, dir);
    for (const key of [hub, lab]) expect((await ssh(agent.info, key, known, ['echo in'])).stdout).toBe('in\n');
    const out = agent.stdout();
    expect(out).toMatch(/Keys that may log in \(2\):/);
    expect(out).toMatch(/ED25519 SHA256:\S+ octo-hub@e2e {2}\[GitHub user octocat/);
    expect(out).toMatch(/ED25519 SHA256:\S+ octo-lab@e2e {2}\[GitLab user lab.user/);
    const failures = agent.stderr().split('\n').filter((l) => l.includes('ghost'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/cannot fetch keys of GitHub user ghost \(http:\/\/127\.0\.0\.1:\d+\/ghost\.keys\): HTTP 404/);
  });

  it('exits 2 with a clear line when no key at all is available', async () => {
    const result = await run(process.execPath, [CLI.agent, relay.wsUrl, '--github-user', 'ghost', '--github-url', keyBase], { timeoutMs: 20_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot fetch keys of GitHub user ghost .*HTTP 404/);
    expect(result.stderr).toMatch(/converge-agent: no usable authorized key in GitHub user ghost/);
  });

  it('live edits: added key logs in, removed key is refused, a broken line is reported and skipped', async () => {
    const first = makeKey(dir, 'first');
    const second = makeKey(dir, 'second');
    const file = join(dir, 'authorized_keys');
    writeFileSync(file, `${first.publicLine}\n`);
    const agent = await startAgent(relay.wsUrl, ['--authorized-keys', file]);
    const known = knownHostsFor(agent.info, dir);
    const canLogIn = async (key: Key) => (await ssh(agent.info, key, known, ['true'])).code === 0;
    expect(await canLogIn(second)).toBe(false);

    writeFileSync(file, `${first.publicLine}\n${second.publicLine}\n`);
    expect(await eventually(() => canLogIn(second))).toBe(true);

    // An open connection stays (as with OpenSSH); new ones with the removed key are refused.
    const held = ssh(agent.info, first, known, ['sleep 2; echo still-open']);
    await new Promise((r) => setTimeout(r, 500));
    writeFileSync(file, `${second.publicLine}\n`);
    expect(await eventually(async () => !(await canLogIn(first)))).toBe(true);
    expect((await held).stdout).toBe('still-open\n');

    writeFileSync(file, `# keys\n${second.publicLine}\nssh-ed25519 not-base64!! broken\n${first.publicLine}\n`);
    await waitFor('broken line warning', () => /authorized keys \S+authorized_keys:3: .*; line skipped/.test(agent.stderr()), 10_000, agent);
    expect(await eventually(() => canLogIn(first))).toBe(true);
    expect(await canLogIn(second)).toBe(true);
    expect(agent.child.exitCode).toBeNull();
  });
});
