export * from "./trust.ts";
export * from "./statements.ts";
export * from "./grantee.ts";
export * from "./role-arn.ts";
