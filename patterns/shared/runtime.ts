// How every function of the lab runs, in a module without Pulumi so the cold-start bench measures the same.

/** NODE_OPTIONS of every function: stack traces in the logs point into the TypeScript sources (costs some init time, see `npm run bench -- cold-start`). */
export const FUNCTION_NODE_OPTIONS = "--enable-source-maps";
