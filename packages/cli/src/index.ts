export { main } from "./main.ts";
export { bufferIo, processIo, UsageError, type Io } from "./io.ts";
