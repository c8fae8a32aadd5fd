// @converge/cli-kit: the command line and process setup shared by converge-agent, converge-relay and
// converge-wsproxy.
export { parseCommandLine, COMPLETION_COMMAND, type ParseIo } from './parse';
export { CommandLineError, HELP_OPTIONS, type CommandLine, type CommandLineSpec, type OptionSpec, type OptionTable, type OptionValue, type OptionValues } from './spec';
export { suggest, didYouMean } from './suggest';
export { parseYesNo } from './defaults';
export { helpMentionsEveryOption } from './help-check';
export { BULK_HEAP_GROWING_PERCENT, RELAY_HEAP_GROWING_PERCENT, fixHeapGrowth, heapGrowthFlag } from './heap';
