// The program reuses a handler's bundle from an earlier run only when nothing it was built from changed: a stale
// bundle would deploy code that is not in the repository.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleEntry, HANDLER_FILE } from "../patterns/shared/bundle";

describe("handler bundles reused across runs", () => {
    let work: string;
    let entry: string;
    let dir: string;
    const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
        fs.writeFileSync(path.join(work, file), text);
    };
    const built = () => fs.readFileSync(path.join(dir, HANDLER_FILE), "utf8");

    beforeEach(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "bundle-cache-"));
        entry = path.join(work, "index.ts");
        dir = path.join(work, "out");
        write("greeting.ts", 'export const greeting = "first";\n');
        write("index.ts", 'import { greeting } from "./greeting";\nexport const handler = async () => greeting;\n');
    });
    afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

    it("an unchanged source gives the bundle already built, byte for byte what a fresh build writes", async () => {
        const first = await bundleEntry(entry, dir, { reuse: true });
        const bytes = built();
        assert.deepEqual(await bundleEntry(entry, dir, { reuse: true }), first);
        assert.equal(built(), bytes);
        await bundleEntry(entry, dir);
        assert.equal(built(), bytes);
    });

    it("a changed entry, a changed import, or a bundle edited by hand is built again", async () => {
        await bundleEntry(entry, dir, { reuse: true });
        assert.match(built(), /"first"/);
        write("greeting.ts", 'export const greeting = "second";\n');
        await bundleEntry(entry, dir, { reuse: true });
        assert.match(built(), /"second"/, "an imported module changed");
        write("index.ts", 'import { greeting } from "./greeting";\nexport const handler = async () => `${greeting}!`;\n');
        await bundleEntry(entry, dir, { reuse: true });
        assert.match(built(), /!/, "the entry changed");
        const good = built();
        fs.appendFileSync(path.join(dir, HANDLER_FILE), "\n// edited\n");
        await bundleEntry(entry, dir, { reuse: true });
        assert.equal(built(), good, "the hand edit is replaced");
        fs.writeFileSync(path.join(dir, "stray.mjs"), "");
        await bundleEntry(entry, dir, { reuse: true });
        assert.ok(!fs.existsSync(path.join(dir, "stray.mjs")), "a file the build did not write leaves the archive");
    });

    // esbuild reads these for every source without listing them as inputs: the module a path or subpath import
    // resolves to, the JSX and decorator transforms, a package's type and exports all come from them.
    describe("the config files esbuild reads up the tree from the entry", () => {
        const nested = () => path.join(work, "src", "index.ts");
        beforeEach(() => {
            write("src/a.ts", 'export const greeting = "from a";\n');
            write("src/b.ts", 'export const greeting = "from b";\n');
        });

        it("a changed tsconfig.json, a tsconfig it extends, or a tsconfig added nearer the sources is built again", async () => {
            write("src/index.ts", 'import { greeting } from "@greeting";\nexport const handler = async () => greeting;\n');
            write("tsconfig.json", '{\n  // the paths live in the base\n  "extends": "./tsconfig.base.json",\n}\n');
            write("tsconfig.base.json", JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@greeting": ["src/a.ts"] } } }));
            await bundleEntry(nested(), dir, { reuse: true });
            assert.match(built(), /"from a"/);
            await bundleEntry(nested(), dir, { reuse: true });
            assert.match(built(), /"from a"/, "nothing changed: reused");
            write("tsconfig.base.json", JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@greeting": ["src/b.ts"] } } }));
            await bundleEntry(nested(), dir, { reuse: true });
            assert.match(built(), /"from b"/, "the extended tsconfig changed");
            write("src/tsconfig.json", JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@greeting": ["a.ts"] } } }));
            await bundleEntry(nested(), dir, { reuse: true });
            assert.match(built(), /"from a"/, "a tsconfig.json appeared nearer the entry");
        });

        it("a changed package.json above the entry, or a jsconfig.json added, is built again", async () => {
            write("src/index.ts", 'import { greeting } from "#greeting";\nexport const handler = async () => greeting;\n');
            write("package.json", JSON.stringify({ name: "lab-bundle-test", imports: { "#greeting": "./src/a.ts" } }));
            await bundleEntry(nested(), dir, { reuse: true });
            assert.match(built(), /"from a"/);
            write("package.json", JSON.stringify({ name: "lab-bundle-test", imports: { "#greeting": "./src/b.ts" } }));
            await bundleEntry(nested(), dir, { reuse: true });
            assert.match(built(), /"from b"/, "package.json imports changed");
            write("src/index.ts", 'import { greeting } from "@greeting";\nexport const handler = async () => greeting;\n');
            write("jsconfig.json", JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@greeting": ["src/a.ts"] } } }));
            await bundleEntry(nested(), dir, { reuse: true });
            assert.match(built(), /"from a"/);
            write("jsconfig.json", JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@greeting": ["src/b.ts"] } } }));
            await bundleEntry(nested(), dir, { reuse: true });
            assert.match(built(), /"from b"/, "jsconfig.json changed");
        });
    });
});
