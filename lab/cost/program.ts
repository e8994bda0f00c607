// The stack's resources as the program registers them, for the fixed-cost README blocks: the program run in-process
// under the test suite's recording mocks (test/harness.ts), every pattern on. Loaded only by --write-docs.
import type { DeployedResource } from "./deployed";

export async function deployedResources(): Promise<DeployedResource[]> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { runProgram } = require("../../test/harness") as typeof import("../../test/harness");
    const run = await runProgram({ queueWorker: true, fanOut: true, eventRouting: true, idempotentConsumer: true });
    if (run.error) throw run.error;
    return run.resources.map((r) => ({ type: r.type, urn: r.urn, parent: r.parent, inputs: r.inputs }));
}
