#!/usr/bin/env node
// Writes each CLI's --help into README.md between <!-- help:NAME --> markers, so the reference in the
// README is the help the programs print. `npm run docs` after changing a flag; e2e/docs.test.ts checks.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readme = join(root, 'README.md');

export function helpOf(name) {
  return execFileSync(process.execPath, [join(root, 'packages', name, 'dist', 'cli.js'), '--help'], { encoding: 'utf8' });
}

export function withHelp(text) {
  return text.replace(/(<!-- help:(\w+) -->\n)[\s\S]*?(<!-- \/help:\2 -->)/g, (_all, open, name, close) => `${open}\`\`\`text\n${helpOf(name)}\`\`\`\n${close}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(readme, withHelp(readFileSync(readme, 'utf8')));
}
