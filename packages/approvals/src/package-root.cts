/**
 * This package's root directory (the one holding package.json), for files shipped beside the code.
 * The same in the sources (src/..) and in the build (dist/..): this file sits one level below the
 * root in both. A CommonJS file (`.cts`) so that `__dirname` exists whichever way it is loaded.
 */
import path = require("node:path");

const PACKAGE_ROOT: string = path.resolve(__dirname, "..");
export = PACKAGE_ROOT;
