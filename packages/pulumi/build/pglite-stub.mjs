// Stands in for @electric-sql/pglite in the approval gateway's Lambda bundle: a Lambda has no disk
// that outlives it, so the gateway always uses the database URL secret.
export class PGlite {
  static create() {
    throw new Error("the embedded store is not available in the approval gateway; it uses the database URL secret");
  }
}
