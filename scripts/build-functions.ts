// `npm run build`: bundles every handler under functions/ (the same esbuild step `pulumi up` runs) and prints sizes.
import * as fs from "fs";
import * as path from "path";
import { bundleHandler, FUNCTIONS_DIR } from "../patterns/shared/bundle";

/** Handlers are the folders of functions/ that hold an index.ts (shared/ holds modules, not a handler). */
export function handlerNames(): string[] {
    return fs.readdirSync(FUNCTIONS_DIR)
        .filter((name) => fs.existsSync(path.join(FUNCTIONS_DIR, name, "index.ts")))
        .sort();
}

if (require.main === module) {
    for (const name of handlerNames()) {
        const dir = bundleHandler(name);
        const size = fs.statSync(path.join(dir, "index.js")).size;
        console.log(`${name.padEnd(24)} ${(size / 1024).toFixed(1).padStart(8)} KB  ${path.relative(process.cwd(), dir)}`);
    }
}
