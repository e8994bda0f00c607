// The Node.js binary of the functions' Lambda runtime, for measuring on the major they deploy on. npm's `node`
// package ships the official binary; tools/lambda-node pins it with its own lockfile, in its own folder, because in
// the root its node_modules/.bin/node would shadow the machine's Node in every npm script. Installed on first use.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { LAMBDA_NODE_MAJOR, LAMBDA_RUNTIME } from "../patterns/shared/runtime";

export const LAMBDA_NODE_DIR = path.resolve(__dirname, "../tools/lambda-node");
const BINARY = path.join(LAMBDA_NODE_DIR, "node_modules", ".bin", "node");

const majorOf = (version: string) => Number(version.replace(/^v/, "").split(".")[0]);

/** A `node` of LAMBDA_NODE_MAJOR: this process's when it is one, else tools/lambda-node's (`npm ci` there the first time). */
export function lambdaNode(): string {
    if (majorOf(process.versions.node) === LAMBDA_NODE_MAJOR) return process.execPath;
    if (!fs.existsSync(BINARY)) {
        console.error(`Installing Node ${LAMBDA_NODE_MAJOR} (${LAMBDA_RUNTIME}) into ${path.relative(process.cwd(), LAMBDA_NODE_DIR)} with npm ci, once.`);
        const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: LAMBDA_NODE_DIR, stdio: ["ignore", "ignore", "inherit"] });
        if (npm.status !== 0) throw new Error(`npm ci in ${LAMBDA_NODE_DIR} exited ${npm.status}`);
    }
    const version = execFileSync(BINARY, ["--version"]).toString().trim();
    if (majorOf(version) !== LAMBDA_NODE_MAJOR) {
        throw new Error(`${BINARY} is Node ${version}, not ${LAMBDA_NODE_MAJOR} (${LAMBDA_RUNTIME}): update tools/lambda-node/package.json`);
    }
    return BINARY;
}
