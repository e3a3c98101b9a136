#!/usr/bin/env node
// The `airlock` command: the CLI's built JavaScript (dist/, made by `npm run build` and shipped in
// the package). A Pulumi program in TypeScript is loaded through tsx when a command plans one.
import { main } from "../dist/main.js";

process.exitCode = await main(process.argv.slice(2));
