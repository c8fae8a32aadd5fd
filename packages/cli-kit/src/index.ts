// @converge/cli-kit: the command line shared by converge-agent, converge-relay and converge-wsproxy.
export { parseCommandLine, COMPLETION_COMMAND, type ParseIo } from './parse';
export { CommandLineError, HELP_OPTIONS, type CommandLine, type CommandLineSpec, type OptionSpec, type OptionTable, type OptionValue, type OptionValues } from './spec';
export { suggest, didYouMean } from './suggest';
export { parseYesNo } from './defaults';
export { helpMentionsEveryOption } from './help-check';
