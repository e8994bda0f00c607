// `npm run build`: bundles every handler under functions/ (the same esbuild step `pulumi up` runs) and prints the
// JavaScript each loads at cold start and in all.
import * as path from "path";
import { bundleHandler, handlerNames } from "../patterns/shared/bundle";

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
