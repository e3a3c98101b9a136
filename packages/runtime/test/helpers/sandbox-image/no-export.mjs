// A handler module that forgot to export its function.
export const notAHandler = 1;
