// npm test's mocha: every test/**/*.test.ts, in two worker processes (these machines have two cores; the type-check
// runs beside them). Files are handed to the workers in the order below as each worker frees up, so the longest go
// first and the short ones fill in behind them; a file not named here runs after them. Names are checked by
// test/mocharc.test.ts, so a renamed file cannot drop out of the order silently.
const fs = require("fs");
const path = require("path");

/** The longest files first (in-process seconds per file, hooks included, measured serially). */
const LONGEST_FIRST = ["test/lab.test.ts", "test/policy.test.ts", "test/deploy-limits.test.ts", "test/lab-sweep.test.ts", "test/hostile-records.property.test.ts", "test/redrive.test.ts"];

function testFiles(dir) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const file = path.posix.join(dir, entry.name);
        if (entry.isDirectory()) return testFiles(file);
        return file.endsWith(".test.ts") ? [file] : [];
    });
}

const all = testFiles("test").sort();

module.exports = {
    require: ["tsx/cjs", "test/setup.ts"],
    extension: ["ts"],
    spec: [...LONGEST_FIRST, ...all.filter((file) => !LONGEST_FIRST.includes(file))],
    LONGEST_FIRST,
    parallel: true,
    jobs: 2,
    timeout: 60000,
    "forbid-only": true,
    "forbid-pending": true,
    // The workers inherit these. Each keeps under ~150 MB live; a 384 MB old space makes the collector run before
    // two workers and the type-check together pass 1 GiB.
    "node-option": ["max-semi-space-size=32", "max-old-space-size=384"],
};
