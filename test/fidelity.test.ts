// docs/fidelity.md traces every AWS behaviour the lab models to its AWS page and to the test that pins it: each
// test it names must exist, so the document cannot cite a test that was renamed or removed.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

/** The backticked test titles in the last column of every table row that has one. */
function citedTitles(markdown: string): string[] {
    const titles: string[] = [];
    let testColumn = -1;
    for (const line of markdown.split("\n")) {
        if (!line.startsWith("|")) {
            testColumn = -1;
            continue;
        }
        const cells = line.split("|").slice(1, -1).map((c) => c.trim());
        if (cells.includes("Test")) testColumn = cells.indexOf("Test");
        else if (testColumn >= 0 && !/^-+$/.test(cells[0].replace(/:/g, ""))) {
            const cell = cells[testColumn] ?? "";
            titles.push(...[...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
            assert.ok(/`[^`]+`/.test(cell), `a row without a test: ${line.slice(0, 120)}`);
        }
    }
    return titles;
}

describe("docs/fidelity.md", () => {
    it("names, for every modelled AWS behaviour, a test whose title appears in test/", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "fidelity.md"), "utf8");
        const sources = fs.readdirSync(path.join(ROOT, "test")).filter((f) => f.endsWith(".test.ts"))
            .map((f) => fs.readFileSync(path.join(ROOT, "test", f), "utf8")).join("\n");
        const titles = citedTitles(doc);
        assert.ok(titles.length >= 30, `only ${titles.length} cited tests`);
        const missing = titles.filter((t) => !sources.includes(`"${t}"`) && !sources.includes(`\`${t}\``));
        assert.deepEqual(missing, [], "cited in docs/fidelity.md, but no test has this title");
    });
});
