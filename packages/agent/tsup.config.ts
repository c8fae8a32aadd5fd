import { defineConfig } from "tsup";
import { cliConfig, libraryConfig } from "../../tsup.shared";

export default defineConfig([libraryConfig(true), cliConfig()]);
