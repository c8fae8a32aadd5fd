// Turns the results object into Markdown tables (printed, and pasted into docs/BENCHMARKS.md).
const f = (n, digits = 1) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '-');
const x = (n) => (typeof n === 'number' && Number.isFinite(n) ? `x${n.toFixed(2)}` : '-');
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const OPS = ['sftp put', 'sftp get', 'cat up', 'cat down'];
const OP_HEAD = ['path', 'sftp put', 'sftp get', 'exec cat up', 'exec cat down'];
const spread = (c) => (c?.minMbps ? `${f(c.minMbps)} - ${f(c.maxMbps)}` : '-');

function bulk(s) {
  const cell = (c) => (c?.mbps ? `${f(c.mbps)} (${x(c.ratio)})` : c?.error ? `error: ${c.error.slice(0, 60)}` : '-');
  return [
    `### Bulk throughput, MB/s (ratio vs ${s.baseline}); sftp ${s.sftpBytes / 2 ** 20} MiB, cat ${s.catBytes / 2 ** 20} MiB${(s.rounds ?? 1) > 1 ? `; median of ${s.rounds} rounds` : ''}`,
    table(OP_HEAD, s.rows.map((r) => [r.path, ...OPS.map((op) => cell(r[op]))])),
    ...((s.rounds ?? 1) > 1 ? ['Spread over the rounds (slowest - fastest MB/s):', table(OP_HEAD, s.rows.map((r) => [r.path, ...OPS.map((op) => spread(r[op]))]))] : []),
    bulkCpu(s),
  ].join('\n\n');
}

/** CPU seconds per GiB moved: the SSH server side (ratio vs the baseline's) and the forwarding hop. */
function bulkCpu(s) {
  const floor = s.forwarderFloor?.cpuPerGiB;
  const cell = (c) => {
    const cpu = c?.cpuPerGiB;
    if (!cpu?.server) return '-';
    const server = `${f(cpu.server, 2)}${c.serverCpuRatio ? ` (${x(c.serverCpuRatio)})` : ''}`;
    const hop = cpu.forwarder === undefined ? '' : ` / ${f(cpu.forwarder, 2)}${floor ? ` (${x(cpu.forwarder / floor)} pipe)` : ''}`;
    return `${server}${hop}`;
  };
  return [
    `CPU seconds per GiB moved${(s.rounds ?? 1) > 1 ? ' (median of the rounds)' : ''}, server (ratio vs ${s.baseline}) / forwarding hop (ratio vs a bare Node TCP forwarder, pipe(): ${floor ? `${f(floor, 2)} s/GiB` : s.forwarderFloor?.error ?? '-'})`,
    table(OP_HEAD, s.rows.map((r) => [r.path, ...OPS.map((op) => cell(r[op]))])),
    relayAloneTable(s.relayAlone, floor),
  ].join('\n\n');
}

/** The relay with no SSH beside it: a fake agent and a client moving 64 KiB messages each way. */
function relayAloneTable(alone, floor) {
  if (!alone) return '';
  if (alone.error) return `Relay alone: error: ${alone.error}`;
  const cell = (d) => `${f(d.cpuPerGiB, 2)} s/GiB (${floor ? `${x(d.cpuPerGiB / floor)} pipe` : '-'}), ${f(d.mbps)} MB/s`;
  return [
    'The relay alone (a fake agent and a `ws` client moving 64 KiB binary messages, no SSH on the same cores):',
    table(['direction', 'relay CPU per GiB (ratio vs the bare forwarder), throughput'], [['client -> agent', cell(alone.up)], ['agent -> client', cell(alone.down)]]),
  ].join('\n\n');
}

function latency(s) {
  return [
    `### Keystroke echo round trip in a pty, ${s.keystrokes} keystrokes${(s.rounds ?? 1) > 1 ? ` in ${s.rounds} rounds` : ''} (ratio vs ${s.baseline})`,
    table(['path', 'p50 ms', 'p99 ms'], s.rows.map((r) => (r.error ? [r.path, `error: ${r.error}`, ''] : [r.path, `${f(r.p50, 2)} (${x(r.p50Ratio)})`, `${f(r.p99, 2)} (${x(r.p99Ratio)})`]))),
    ...(s.vsAgentDirect ? [`p50 against the converge agent direct (the goal: via the relay within x1.50): ${Object.entries(s.vsAgentDirect).map(([path, ratio]) => `${path} ${x(ratio)}`).join('; ')}.`] : []),
  ].join('\n\n');
}

function capacity(s) {
  return [
    '### Relay capacity: idle agents',
    table(['agents (target)', 'time to register', 'relay RSS idle', 'relay RSS with agents', 'RSS per agent', 'relay CPU idle', 'relay CPU with the agents idle'], [
      [`${s.agents} (${s.target})`, `${f(s.secondsToRegister)} s`, `${f(s.relayRssIdleMiB, 0)} MiB`, `${f(s.relayRssMiB, 0)} MiB (${x(s.growthRatio)})`, `${f(s.rssPerAgentKiB)} KiB`, `${f(s.relayIdleCpuMsPerS, 2)} ms/s`, `${f(s.relayCpuWithAgentsMsPerS, 2)} ms/s`],
    ]),
  ].join('\n\n');
}

function sessions(s) {
  return [
    '### Relay capacity: concurrent active sessions (exec download through the relay)',
    table(['sessions', 'each', 'one alone', 'aggregate', 'ratio vs one alone'], [
      [`${s.complete}/${s.sessions}`, `${s.bytesEach / 2 ** 20} MiB`, `${f(s.aloneMbps)} MB/s`, `${f(s.aggregateMbps)} MB/s`, x(s.ratio)],
    ]),
  ].join('\n\n');
}

function start(s) {
  return ['### Agent start to registered (info file written)', table(['runs', 'agent median', 'bare `node -e` median', 'ratio'], [[s.runs, `${f(s.agentMedianMs, 0)} ms`, `${f(s.nodeMedianMs, 0)} ms`, x(s.ratio)]])].join('\n\n');
}

function stalled(s) {
  return [
    '### A stalled client (1 GiB window granted, socket never read) beside a busy one',
    table(['busy alone', 'busy beside stalled', 'ratio', 'relay RSS before', 'relay RSS peak', 'growth'], [
      [`${f(s.aloneMbps)} MB/s`, `${f(s.besideMbps)} MB/s`, x(s.ratio), `${f(s.relayRssBeforeMiB, 0)} MiB`, `${f(s.relayRssPeakMiB, 0)} MiB`, `${f(s.relayRssGrowthMiB)} MiB`],
    ]),
  ].join('\n\n');
}

function footprint(s) {
  const base = s.baseline?.seconds ? `${f(s.baseline.seconds)} s` : s.baseline?.error ?? '-';
  return [
    `### Install footprint (npm pack; install from a warm cache with --prefer-offline; baseline \`npm install ws@8\`: ${base})`,
    table(['package', 'tarball', 'unpacked', 'files', 'deps (+optional)', 'installed packages', 'install time (ratio vs ws)'], s.rows.map((r) => [
      r.package, `${f(r.tarballKiB, 0)} KiB`, `${f(r.unpackedKiB, 0)} KiB`, r.files, `${r.dependencies} (+${r.optionalDependencies})`, r.installedPackages ?? '-',
      r.installError ? `error: ${r.installError}` : `${f(r.installSeconds)} s (${x(r.installRatioVsWs)})`,
    ])),
  ].join('\n\n');
}

function fleet(s) {
  const c = s.capacity;
  return [
    `### Fleet: a person on the agent's relay against one on the other relay (one extra hop); ${s.bytes / 2 ** 20} MiB, ${s.keystrokes} keystrokes`,
    table(['path', 'exec cat down', 'exec cat up', 'echo p50', 'echo p99'], s.rows.map((r) => [r.path, `${f(r.catDownMbps)} MB/s`, `${f(r.catUpMbps)} MB/s`, `${f(r.p50, 2)} ms`, `${f(r.p99, 2)} ms`])),
    `Cross-relay against same-relay: cat down ${x(s.ratios.catDown)}, cat up ${x(s.ratios.catUp)}, echo p50 ${x(s.ratios.p50)}, p99 ${x(s.ratios.p99)}.`,
    table(['idle agents', 'time to register', 'RSS per agent', 'relay CPU with the agents idle'], [
      [`without Redis: ${c.without.agents}`, `${f(c.without.secondsToRegister)} s`, `${f(c.without.rssPerAgentKiB)} KiB`, `${f(c.without.relayCpuWithAgentsMsPerS, 1)} ms/s`],
      [`with Redis: ${c.with.agents}`, `${f(c.with.secondsToRegister)} s (${x(c.registerTimeRatio)})`, `${f(c.with.rssPerAgentKiB)} KiB (${x(c.rssPerAgentRatio)})`, `${f(c.with.relayCpuWithAgentsMsPerS, 1)} ms/s (${x(c.with.relayCpuWithAgentsMsPerS / c.without.relayCpuWithAgentsMsPerS)})`],
    ]),
  ].join('\n\n');
}

const FORMATTERS = { bulk, latency, capacity, sessions, start, stalled, footprint, fleet };

export function formatReport(results) {
  const m = results.machine;
  const parts = [`Machine: ${m.nproc} cores (${m.cpu}), ${m.ramGiB} GiB RAM, node ${m.node}, ${m.openssh}; load at start ${m.loadavg}; ${m.quick ? 'quick' : 'full'} run, ${m.date}; agent sftp: ${m.agentSftp}`];
  for (const note of results.notes ?? []) parts.push(`Note: ${note}`);
  for (const [name, section] of Object.entries(results.sections)) {
    parts.push(section.error ? `### ${name}\n\nfailed: ${section.error}` : FORMATTERS[name](section));
  }
  return parts.join('\n\n');
}
