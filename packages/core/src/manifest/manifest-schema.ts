/**
 * `@airlock/core/manifest-schema`: the manifest's zod schemas (`ManifestSchema`, `ToolSchema`, …),
 * the types inferred from them (`Manifest`, `ManifestInput`, `ToolSpec`, …) and `parseManifest`
 * (schema checks and defaults, without the IAM and cross-reference checks of `compile`).
 *
 * A subpath of its own because zod 4's declarations need `esModuleInterop` (or `skipLibCheck`) to
 * type-check, and the tsconfig `pulumi new aws-typescript` writes has neither: a CommonJS project
 * that imports this subpath adds `"esModuleInterop": true` to its compiler options. The package's
 * main entry declares nothing of zod (test/packaging.test.ts keeps it so).
 *
 * @module @airlock/core/manifest-schema
 */
export * from "./schema.ts";
export { parseManifest } from "./validate.ts";
