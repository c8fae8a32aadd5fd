import { defineConfig } from "tsup";
import { cliConfig } from "../../tsup.shared";

// A CLI only: dist/cli.js bundles everything it runs (no library entry; the package's code ships once).
export default defineConfig([{ ...cliConfig(), clean: true }]);
