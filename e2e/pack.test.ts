// What `npx` will get: npm pack every published package (the three CLIs and @converge/protocol), check
// each tarball's file list and metadata, install them into an empty directory, and use only what was
// installed: --help of each CLI, the protocol library from require(), and one real session where ssh runs
// the ssh command the installed agent printed (its `npx -y @converge/wsproxy` resolves to the tarball).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, makeKey, ROOT, run, startProcess, tempDir, waitFor } from './harness';

const PACKAGES = ['agent', 'relay', 'wsproxy'] as const;
const PUBLISHED = [...PACKAGES, 'protocol'] as const;

/** Exactly what each tarball holds: a CLI is its one bundle; no sources, tests or test support. */
const FILES: Record<(typeof PUBLISHED)[number], string[]> = {
  agent: ['README.md', 'dist/cli.js', 'package.json'],
  relay: ['README.md', 'dist/cli.js', 'package.json'],
  wsproxy: ['README.md', 'dist/cli.js', 'package.json'],
  protocol: ['README.md', 'dist/index.d.mts', 'dist/index.d.ts', 'dist/index.js', 'dist/index.js.map', 'dist/index.mjs', 'dist/index.mjs.map', 'package.json'],
};

/** `npm pack --dry-run --json` of one workspace package. */
function packList(name: string): { files: string[]; manifest: Record<string, unknown> } {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '-w', `@converge/${name}`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [entry] = JSON.parse(out) as { files: { path: string }[] }[];
  return { files: entry!.files.map((f) => f.path).sort(), manifest: JSON.parse(readFileSync(join(ROOT, 'packages', name, 'package.json'), 'utf8')) };
}

describe.each(PUBLISHED)('the @converge/%s tarball', (name) => {
  it('holds exactly its files, and says what it is and where it lives', () => {
    const { files, manifest } = packList(name);
    expect(files).toEqual(FILES[name]);
    expect(manifest).toMatchObject({
      description: expect.stringMatching(/\w/),
      license: 'MIT',
      repository: { type: 'git', url: expect.stringMatching(/^git\+https:\/\//), directory: `packages/${name}` },
      homepage: expect.stringMatching(/^https:\/\//),
      bugs: { url: expect.stringMatching(/^https:\/\//) },
      keywords: expect.arrayContaining(['ssh']),
    });
    expect(manifest.private).toBeUndefined();
    const readme = readFileSync(join(ROOT, 'packages', name, 'README.md'), 'utf8');
    expect(readme).toMatch(new RegExp(`^# @converge/${name}\n`));
    expect(readme).toContain('```'); // one example
  });
});

describe('packed tarballs', () => {
  let app: string;
  const bin = (name: string) => join(app, 'node_modules/.bin', `converge-${name}`);

  beforeAll(() => {
    const out = tempDir('converge-pack-');
    for (const name of PUBLISHED) {
      execFileSync('npm', ['pack', '--silent', '--pack-destination', out, '-w', `@converge/${name}`], { cwd: ROOT, stdio: 'ignore' });
    }
    const tarballs = readdirSync(out).filter((file) => file.endsWith('.tgz')).map((file) => join(out, file));
    expect(tarballs).toHaveLength(PUBLISHED.length);
    app = join(out, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{ "private": true }\n');
    execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: app, stdio: 'ignore', timeout: 120_000 });
  }, 180_000);
  afterAll(cleanup);

  it('ships bundles without dependencies to download', () => {
    for (const name of PACKAGES) {
      const manifest = JSON.parse(readFileSync(join(app, 'node_modules/@converge', name, 'package.json'), 'utf8'));
      expect(manifest.dependencies ?? {}).toEqual({});
      expect(manifest.scripts?.install ?? manifest.scripts?.postinstall).toBeUndefined();
    }
  });

  it('the installed @converge/protocol works from require() and import', () => {
    const script = `const p = require('@converge/protocol'); console.log(p.clientUrl(p.parseRelayUrl('wss://r.example'), 'abcd-efgh-jkmn-pqrs'), p.ExitCode.listen);
import('@converge/protocol').then((m) => console.log(typeof m.decodeMessage));`;
    const stdout = execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' });
    expect(stdout).toBe('wss://r.example/client/abcd-efgh-jkmn-pqrs 9\nfunction\n');
  });

  it.each(PACKAGES)('converge-%s --help and --version work from the installed tarball', async (name) => {
    const help = await run(bin(name), ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: converge-/);
    expect(help.stdout).toMatch(/Exit codes/);
    expect((await run(bin(name), ['--version'])).stdout).toBe('0.1.0\n');
    // The bundled command-line parser works on its own: a suggestion, and a completion script.
    const typo = await run(bin(name), ['--hlep']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown option --hlep \(did you mean --help\?\)/);
    expect((await run(bin(name), ['completion'])).stdout).toContain(`converge-${name} --get-yargs-completions`);
  });

  it('runs a real session through the installed relay, agent and wsproxy, with the printed command', async () => {
    const dir = tempDir();
    const key = makeKey(dir, 'person');
    const relay = startProcess(bin('relay'), ['--host', '127.0.0.1', '--port', '0']);
    const url = await waitFor('relay', () => /listening on (http:\/\/\S+)/.exec(relay.stdout())?.[1], 15_000, relay);
    const infoFile = join(dir, 'info.json');
    const agent = startProcess(bin('agent'), [url, '--authorized-keys', key.publicKey, '--info-file', infoFile], { cwd: dir });
    const info = await waitFor('agent', () => { try { return JSON.parse(readFileSync(infoFile, 'utf8')); } catch { return undefined; } }, 20_000, agent);
    expect(info.sshCommand).toMatch(
      /^ssh -o ProxyCommand='npx -y @converge\/wsproxy --host-key SHA256:\S{43} ws:\/\/127\.0\.0\.1:\d+\/client\/[a-z0-9-]+' -o HostKeyAlias='\S+' -o StrictHostKeyChecking=accept-new \S+@\S+$/,
    );
    writeFileSync(join(dir, 'known_hosts'), `${info.knownHostsLine}\n`);
    const strict = `-F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i ${key.privateKey} -o UserKnownHostsFile=${join(dir, 'known_hosts')} -o StrictHostKeyChecking=yes`;
    const command = `${(info.sshCommand as string).replace(/^ssh /, `ssh ${strict} `)} 'echo packed-ok from $CONVERGE_ID'`;
    const result = await run('sh', ['-c', `cd ${app} && ${command}`], { env: { npm_config_yes: 'true', npm_config_offline: 'true' } });
    expect(result.stdout).toBe(`packed-ok from ${info.id}\n`);
    expect(result.code).toBe(0);
  });
});
