// Run-a-job mode (`converge-agent run ... -- <command...>`): when to open the rendez-vous, the job's
// command, and the help text. Types only, so cli-args, the job runner and the agent share them.
import type { JobStateName } from '@converge/protocol';

export const JOB_WHEN = ['failure', 'always', 'during'] as const;
export type JobWhen = (typeof JOB_WHEN)[number];

export interface JobSpec {
  /** argv of the job: spawned directly, no shell (pass `sh -c '...'` for one). */
  readonly command: readonly string[];
  readonly when: JobWhen;
}

/** What the agent tells the relay and the person about the job. */
export interface JobReport {
  readonly state: Exclude<JobStateName, 'none'>;
  /** The command as one shell-quoted line. */
  readonly command: string;
  readonly exitCode?: number;
}

export const RUN_HELP = `Run a job (converge-agent run <relay-url> [options] [--when W] -- <command...>):
  Runs <command...> (no shell; use sh -c '...' for one) with stdout/stderr passed straight through,
  then exits with its exit code (128+N if signal N killed it). The job's output is not copied: it stays
  in the CI job's log.
  --when failure              connect to the relay only if the command fails, then wait for logins as
                              above (default)
  --when always               connect after the command ends, whatever its exit code
  --when during               connect while the command runs, so a person can watch it; afterwards keep
                              waiting only if someone is logged in or .hold exists (agentdir is set
                              in the command's environment too)
  If the relay cannot be reached or refuses the agent, one line says so and the job's code is returned.
`;
