// `npm run build`: bundles every handler under functions/ (the same esbuild step `pulumi up` runs) and prints the
// JavaScript each loads at cold start and in all.
import * as fs from "fs";
import * as path from "path";
import { bundleHandler, FUNCTIONS_DIR } from "../patterns/shared/bundle";

/** Handlers are the folders of functions/ that hold an index.ts (shared/ holds modules, not a handler). */
export function handlerNames(): string[] {
    return fs.readdirSync(FUNCTIONS_DIR)
        .filter((name) => fs.existsSync(path.join(FUNCTIONS_DIR, name, "index.ts")))
        .sort();
}

async function main(): Promise<void> {
    const names = handlerNames();
    const bundles = await Promise.all(names.map(bundleHandler));
    console.log(`${"handler".padEnd(24)} ${"cold start".padStart(10)} ${"total".padStart(10)}  folder`);
    names.forEach((name, i) => {
        const { dir, coldStartBytes, totalBytes } = bundles[i];
        const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`.padStart(10);
        console.log(`${name.padEnd(24)} ${kb(coldStartBytes)} ${kb(totalBytes)}  ${path.relative(process.cwd(), dir)}`);
    });
}

if (require.main === module) {
    main().catch((error) => {
        console.error(`build: ${error instanceof Error ? error.message : error}`);
        process.exit(1);
    });
}
