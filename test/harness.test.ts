// The harness that runs the program under mocks: a run must leave nothing of an earlier run reachable, or every run
// of a long test process pays for all the runs before it.
import { strict as assert } from "assert";
import * as path from "path";
import { runProgram } from "./harness";

const ROOT = path.resolve(__dirname, "..");

describe("program harness", () => {
    it("keeps no earlier run's program reachable through require.cache or module.children", async () => {
        await runProgram({ queueWorker: true });
        const first = require.cache[path.join(ROOT, "index.ts")];
        await runProgram({ queueWorker: true });
        const second = require.cache[path.join(ROOT, "index.ts")];
        assert.ok(first && second && first !== second, "each run loads the program afresh");
        const holders = Object.values(require.cache).filter((m) => m?.children.includes(first!));
        assert.deepEqual(holders.map((m) => path.relative(ROOT, m!.filename)), [], "modules still listing the first run's program");
    });

    it("restores the process's stack depth and source maps after a run, also after a failed one", async () => {
        const limit = Error.stackTraceLimit;
        const sourceMaps = process.sourceMapsEnabled;
        await runProgram({ queueWorker: "maybe" });
        await runProgram({});
        assert.equal(Error.stackTraceLimit, limit);
        assert.equal(process.sourceMapsEnabled, sourceMaps);
    });
});
