// `npm run build`: bundles every handler under functions/ (the same esbuild step `pulumi up` runs) and prints the
// JavaScript each loads at cold start and in all.
import * as path from "path";
import { bundleHandler, handlerNames } from "../patterns/shared/bundle";
import { Command, runCommand } from "./cli";

export const BUILD_COMMAND: Command = {
    name: "npm run build --",
    usage: `usage: npm run build [-- --verbose]
Type-checks, then bundles every handler under functions/ into .build/functions/<handler> as \`pulumi up\` does
(esbuild: minified ES modules split at dynamic imports, source maps of the project's own sources, Node 24: the
nodejs24.x runtime), and prints the JavaScript each loads at cold start and in all. Exit status: 0 built, 1 a failure,
2 a wrong argument.`,
    options: {},
    async run() {
        const names = handlerNames();
        const bundles = await Promise.all(names.map((name) => bundleHandler(name)));
        console.log(`${"handler".padEnd(24)} ${"cold start".padStart(10)} ${"total".padStart(10)}  folder`);
        names.forEach((name, i) => {
            const { dir, coldStartBytes, totalBytes } = bundles[i];
            const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`.padStart(10);
            console.log(`${name.padEnd(24)} ${kb(coldStartBytes)} ${kb(totalBytes)}  ${path.relative(process.cwd(), dir)}`);
        });
        return 0;
    },
};

if (require.main === module) runCommand(BUILD_COMMAND);
