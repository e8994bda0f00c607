// `npm run bench`: the lab's speed figures. Targets live here, never in test assertions.
import { coldStart, printColdStart } from "./cold-start";
import { idempotencyOverhead, printIdempotency } from "./idempotency";

async function main(): Promise<void> {
    printColdStart(coldStart());
    printIdempotency(await idempotencyOverhead());
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
