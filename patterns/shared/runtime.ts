// How every function of the lab runs, in a module without Pulumi so the bundler and the cold-start bench use the same.

/**
 * The Lambda runtime of every function: Node.js 24 (deprecation 30 April 2028, "Lambda runtimes", AWS Lambda
 * developer guide). nodejs22.x is deprecated on 30 April 2027 and AWS SDK releases after early January 2027 drop
 * Node 20. Node 24 takes no callback-style handlers; every handler here is async.
 */
export const LAMBDA_RUNTIME = "nodejs24.x";

/** The Node.js major of that runtime: handler tests and the cold-start bench run on it (tools/lambda-node). */
export const LAMBDA_NODE_MAJOR = 24;

/** esbuild's target for the bundles: the language level that runtime's Node accepts unchanged. */
export const BUNDLE_TARGET = `node${LAMBDA_NODE_MAJOR}`;

/**
 * NODE_OPTIONS of every function: none. Stack traces point into the TypeScript sources all the same: every bundle
 * starts with source-mapped-stacks.ts, which reads the source map when a stack is first formatted, where
 * --enable-source-maps would cost 4–10 ms of CPU at every cold start (`npm run bench -- cold-start`).
 */
export const FUNCTION_NODE_OPTIONS: string = "";
