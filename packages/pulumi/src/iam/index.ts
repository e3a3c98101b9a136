export * from "./trust.ts";
export * from "./statements.ts";
export * from "./grantee.ts";
