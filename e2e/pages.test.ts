// Issue 5 page proofs in real headless Chromium (Debian's chromium, driven by playwright-core): the
// usage form writes commands that, pasted, really connect to an agent; the sessions page shows an agent
// and its client appear and leave, live, without a reload. Run mode (the build command wrapped, its exit
// code kept) and GitHub Actions' default of the workflow actor's keys are checked in the browser too.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { childPids } from './probes';
import { cleanup, knownHostsFor, makeKey, npxShim, run, ssh, startAgent, startProcess, startRelay, stop, tempDir, waitFor } from './harness';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A bin directory whose `npx` runs the CLIs built here, so pasted `npx -y @converge/...` lines work unpublished. */

describe('pages in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, userDataDir: undefined } as Parameters<typeof chromium.launch>[0]);
  });
  afterAll(async () => {
    await browser?.close();
    await cleanup();
  });

  async function open(path: string, url: string): Promise<Page> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    await page.goto(`${url}${path}`);
    (page as Page & { errors?: string[] }).errors = errors;
    return page;
  }

  it('the usage form writes a job command and an ssh command that really connect', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'person');
    const bin = npxShim();
    const PATH = `${bin}:${process.env.PATH}`;
    const relay = await startRelay();
    const page = await open('/', relay.url);
    await page.check('#ci-shell');
    await page.check('#os-linux');
    await page.check('#keys-paste');
    await page.fill('input[name="key"]', key.publicLine);
    await page.fill('input[name="id"]', 'from-the-page');
    await page.waitForFunction(() => document.querySelector('#job-code')?.textContent?.includes('from-the-page'));
    const job = (await page.textContent('#job-code'))!;
    const connect = (await page.textContent('#connect-code'))!;
    const config = (await page.textContent('#config-code'))!;
    expect(config).toContain('--host-key SHA256:<host key printed by the job>');
    const short = (await page.textContent('#config-connect'))!;
    expect(job).toContain(relay.wsUrl);
    expect(job).toContain(key.publicLine.split(' ')[1]);
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);

    const agent = startProcess('sh', ['-c', job], { env: { PATH }, cwd: dir });
    await waitFor('agent from the pasted job command', () => /is ready/.test(agent.stdout()), 20_000, agent);
    // The person pastes the host key from the job log; the commands then pin it.
    const fingerprint = /Host key: (SHA256:\S+)/.exec(agent.stdout())![1]!;
    expect(connect).toContain('--host-key SHA256:<host key printed by the job>');
    await page.fill('input[name="hostkey"]', fingerprint);
    await page.waitForFunction((fp) => document.querySelector('#connect-code')?.textContent?.includes(fp), fingerprint);
    const pinned = (await page.textContent('#connect-code'))!;
    const pinnedConfig = (await page.textContent('#config-code'))!;
    expect(pinned).toContain('StrictHostKeyChecking=accept-new');
    expect(`${pinned}${pinnedConfig}`).not.toMatch(/StrictHostKeyChecking(=| )no|\/dev\/null|ssh-keygen -R/);
    const knownHosts = join(dir, 'known_hosts');
    const strict = `ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i ${key.privateKey} -o UserKnownHostsFile=${knownHosts} -o LogLevel=ERROR `;
    const viaCommand = await run('sh', ['-c', `${pinned.trim().replace(/^ssh /, strict)} 'touch $agentdir/.hold; echo pasted-ok $CONVERGE_ID'`], { env: { PATH } });
    expect(viaCommand.stdout).toBe('pasted-ok from-the-page\n');
    // .hold (the documented way) keeps the agent for the next login: by default it ends at the first logout.

    const configFile = join(dir, 'ssh_config');
    writeFileSync(configFile, `${pinnedConfig}\n  BatchMode yes\n  IdentitiesOnly yes\n  IdentityFile ${key.privateKey}\n  UserKnownHostsFile ${knownHosts}\n  LogLevel ERROR\n`);
    const viaConfig = await run('sh', ['-c', `${short.trim().replace(/^ssh /, `ssh -F ${configFile} `)} 'echo config-ok'`], { env: { PATH } });
    expect(viaConfig.stdout).toBe('config-ok\n');
    await stop(agent);
  });

  it('run mode: the pasted job command runs the build command given on the page and keeps its exit code', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'person');
    const PATH = `${npxShim()}:${process.env.PATH}`;
    const relay = await startRelay();
    const page = await open('/', relay.url);
    await page.check('#ci-shell');
    await page.check('#os-linux');
    await page.check('#keys-paste');
    await page.fill('input[name="key"]', key.publicLine);
    await page.check('#mode-wrap');
    await page.fill('input[name="cmd"]', "echo 'built by the page'; exit 3");
    await page.waitForFunction(() => document.querySelector('#job-code')?.textContent?.includes('built by the page'));
    const job = (await page.textContent('#job-code'))!;
    expect(job).toMatch(/ run .* -- /);
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);

    const agent = startProcess('sh', ['-c', job], { env: { PATH }, cwd: dir });
    await waitFor('the build to run and the failure to open a session', () => /built by the page/.test(agent.stdout()) && /is ready/.test(agent.stdout()), 20_000, agent);
    // Nobody logs in; the agent is cancelled: the build's own exit code comes back through the step's shell.
    const [agentPid] = childPids(agent.child.pid!);
    process.kill(agentPid!, 'SIGTERM');
    expect(await agent.exited).toBe(3);
  });

  it('GitHub Actions: only the keys of the workflow actor by default, a named user instead when given', async () => {
    const relay = await startRelay();
    const page = await open('/', relay.url);
    await page.check('#ci-github');
    await page.check('#keys-github');
    await page.fill('input[name="user"]', '');
    await page.waitForFunction(() => document.querySelector('#job-code')?.textContent?.includes('github.actor'));
    expect(await page.textContent('#job-code')).toContain('--github-user "${{ github.actor }}"');
    await page.fill('input[name="user"]', 'octocat');
    await page.waitForFunction(() => document.querySelector('#job-code')?.textContent?.includes('--github-user octocat'));
    expect(await page.textContent('#job-code')).not.toContain('github.actor');
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
  });

  it('the sessions link the relay prints opens the page live, without asking for the token', async () => {
    const relay = await startRelay();
    const page = await open(`/sessions#token=${relay.adminToken}`, relay.url);
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]');
    expect(await page.isHidden('#token-form')).toBe(true);
    expect(page.url()).not.toContain('token=');
  });

  it('the sessions page asks for the admin token, then shows an agent and its client come and go, live', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'person');
    const relay = await startRelay(['--admin-token', 'open-sesame']);
    const page = await open('/sessions', relay.url);
    await page.waitForSelector('#token-form:not([hidden])');
    await page.fill('#token', 'wrong');
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('#token-problem:not([hidden])');
    await page.fill('#token', 'open-sesame');
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]');
    await page.waitForSelector('#empty:not([hidden])');

    const agent = await startAgent(relay.wsUrl, ['--authorized-keys', key.publicKey, '--id', 'live-agent']);
    await page.waitForSelector('[data-testid="agent-row"][data-agent-id="live-agent"]');
    const knownHosts = knownHostsFor(agent.info, dir);
    const session = ssh(agent.info, key, knownHosts, ['sleep 3; echo done']);
    await page.waitForSelector('[data-agent-id="live-agent"] [data-testid="client-row"]', { timeout: 10_000 });
    expect((await session).stdout).toBe('done\n');
    await page.waitForSelector('[data-agent-id="live-agent"] [data-testid="client-row"]', { state: 'detached', timeout: 10_000 });
    await stop(agent);
    await page.waitForSelector('[data-testid="agent-row"]', { state: 'detached', timeout: 10_000 });
    expect((page as Page & { errors?: string[] }).errors?.filter((e) => !/401/.test(e))).toEqual([]);
  });
});
