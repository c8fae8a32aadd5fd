#!/usr/bin/env node
// Local demo: a relay and an agent on this machine, and the exact ssh command to reach the agent
// through the relay with the wsproxy built here (before anything is published to npm).
// Keys: your ~/.ssh/*.pub may log in; without any, a demo key is made in .demo/.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const demo = join(root, '.demo');
const cli = (name) => join(root, 'packages', name, 'dist', 'cli.js');

for (const name of ['relay', 'agent', 'wsproxy']) {
  if (!existsSync(cli(name))) {
    console.error(`demo: ${cli(name)} is missing; run: npm ci && npm run build`);
    process.exit(2);
  }
}
mkdirSync(demo, { recursive: true });
rmSync(join(demo, 'info.json'), { force: true });

const sshDir = join(homedir(), '.ssh');
const ownKeys = existsSync(sshDir) ? readdirSync(sshDir).filter((f) => f.endsWith('.pub')).map((f) => join(sshDir, f)) : [];
let identity = '';
if (ownKeys.length === 0) {
  identity = join(demo, 'id_ed25519');
  if (!existsSync(identity)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'converge-demo', '-f', identity]);
  ownKeys.push(`${identity}.pub`);
}
writeFileSync(join(demo, 'authorized_keys'), ownKeys.map((f) => readFileSync(f, 'utf8').trim()).join('\n') + '\n');

const port = process.env.PORT ?? '8000';
const relay = spawn(process.execPath, [cli('relay'), '--host', '127.0.0.1', '--port', port], { stdio: ['ignore', 'pipe', 'inherit'] });
let relayOut = '';
const relayUrl = await new Promise((resolveUrl, reject) => {
  relay.stdout.on('data', (chunk) => {
    relayOut += chunk;
    process.stdout.write(chunk);
    const match = /listening on (http:\/\/\S+)/.exec(relayOut);
    if (match) resolveUrl(match[1]);
  });
  relay.once('exit', (code) => reject(new Error(`the relay exited with code ${code} (is port ${port} free? try PORT=0 npm run demo)`)));
}).catch((error) => {
  console.error(`demo: ${error.message}`);
  process.exit(3);
});

const agent = spawn(process.execPath, [cli('agent'), relayUrl, '--authorized-keys', join(demo, 'authorized_keys'), '--info-file', join(demo, 'info.json'), '--hold'], {
  stdio: ['ignore', 'inherit', 'inherit'],
  cwd: root,
});
const stopAll = () => {
  agent.kill('SIGTERM');
  relay.kill('SIGTERM');
};
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
agent.once('exit', (code) => {
  relay.kill('SIGTERM');
  process.exitCode = code ?? 0;
});

const deadline = Date.now() + 20_000;
while (!existsSync(join(demo, 'info.json')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
if (existsSync(join(demo, 'info.json'))) {
  const info = JSON.parse(readFileSync(join(demo, 'info.json'), 'utf8'));
  // The agent's own command, with the wsproxy built here instead of npx (it pins the host key the same way).
  const local = info.sshCommand.replace('npx -y @converge/wsproxy', `${process.execPath} ${cli('wsproxy')}`);
  console.log(`
Before the packages are on npm, use the wsproxy built here:

  ${identity ? local.replace(/^ssh /, `ssh -i ${identity} `) : local}

The demo agent runs with --hold: it waits for the next login after you log out, until its idle
timeout (10m). Stop with Ctrl-C.`);
}
