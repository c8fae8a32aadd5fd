// The README's CLI reference is the help each built program prints (scripts/readme-help.mjs writes it).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT } from './harness';

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it.each(Object.keys(CLI) as (keyof typeof CLI)[])('holds the current --help of converge-%s (npm run docs)', (name) => {
    const help = execFileSync(process.execPath, [CLI[name], '--help'], { encoding: 'utf8' });
    expect(readme).toContain(`<!-- help:${name} -->\n\`\`\`text\n${help}\`\`\`\n<!-- /help:${name} -->`);
  });

  it('keeps the two commands that work on a fresh machine', () => {
    expect(readme).toContain('npm ci && npm run build && npm run demo');
    expect(readme).toContain('bash .ci/run');
  });
});
