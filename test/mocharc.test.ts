// npm test's mocha configuration hands files to its workers in an order of its own: every test file must still be in
// it, once.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const config = require("../.mocharc.js") as { spec: string[]; LONGEST_FIRST: string[] };

function globbed(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? globbed(path.posix.join(dir, e.name)) : e.name.endsWith(".test.ts") ? [path.posix.join(dir, e.name)] : []));
}

describe("npm test's mocha configuration", () => {
    it("runs every test/**/*.test.ts exactly once, the longest named first, each of those an existing file", () => {
        for (const file of config.LONGEST_FIRST) assert.ok(fs.existsSync(file), `${file} is in LONGEST_FIRST but does not exist`);
        assert.deepEqual(config.spec.slice(0, config.LONGEST_FIRST.length), config.LONGEST_FIRST);
        assert.deepEqual([...config.spec].sort(), globbed("test").sort());
        assert.equal(new Set(config.spec).size, config.spec.length, "no file twice");
    });
});
