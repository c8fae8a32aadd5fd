import { defineConfig } from "tsup";
import { libraryConfig } from "../../tsup.shared";

// Private: built only so the packages' typecheck reads it like any workspace package (tests run sources).
export default defineConfig({ ...libraryConfig(false), format: ['cjs'], sourcemap: false });
