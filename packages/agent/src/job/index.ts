// Run mode (`converge-agent run ... -- <command>`): the job's process, its arguments, and the runner that
// opens the rendez-vous around it without ever changing the job's outcome.
export { runEpilogue } from './process';
export { parseRunArgs, type RunCommand } from './run-args';
export { runWithJob } from './run-job';
export { RUN_HELP, type JobReport } from './spec';
