import { spawnSync } from 'node:child_process';
import { BULK_HEAP_GROWING_PERCENT, heapGrowthFlag, RELAY_HEAP_GROWING_PERCENT } from './heap';

/** The factor V8 reports after a full collection in a process that sets `flag` at run time, as the CLIs do. */
function factorAfterFullCollection(flag: string | undefined): string | undefined {
  const script = `${flag ? `require('node:v8').setFlagsFromString(${JSON.stringify(flag)});` : ''} globalThis.gc();`;
  const run = spawnSync(process.execPath, ['--expose-gc', '--trace-gc', '--trace-gc-verbose', '-e', script], { encoding: 'utf8' });
  return /\[HeapController\] Limit: .*\((\d+\.\d+)\)/.exec(run.stdout)?.[1];
}

describe('heap growth', () => {
  it('takes effect when set after start, as V8 reads it at each full collection', () => {
    expect(factorAfterFullCollection(heapGrowthFlag(BULK_HEAP_GROWING_PERCENT))).toBe('8.0');
    expect(factorAfterFullCollection(heapGrowthFlag(RELAY_HEAP_GROWING_PERCENT))).toBe('4.0');
  });

  it("is otherwise V8's own guess", () => {
    expect(factorAfterFullCollection(undefined)).not.toBe('8.0');
  });
});
