// `npm run bench`: the lab's speed figures. Targets live here, never in test assertions.
import { coldStart, printColdStart } from "./cold-start";
import { idempotencyOverhead, printIdempotency } from "./idempotency";
import { labBench, printLabBench } from "./lab";
import { policyBench, printPolicyBench } from "./policy";

async function main(): Promise<void> {
    printColdStart(coldStart());
    printIdempotency(await idempotencyOverhead());
    printPolicyBench(await policyBench());
    printLabBench(await labBench());
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
