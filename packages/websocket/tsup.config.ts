import { defineConfig } from "tsup";
import { libraryConfig } from "../../tsup.shared";

// Private: built only so the CLIs' typecheck and bundles read it like any workspace package.
export default defineConfig({ ...libraryConfig(false), format: ['cjs'], sourcemap: false });
