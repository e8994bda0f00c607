import { runScenario, findScenario } from "./runner";
import { SCENARIOS } from "./scenarios";
(async () => {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : SCENARIOS.map(s => s.name);
  for (const n of names) {
    const t = Date.now();
    const r = await runScenario(findScenario(n));
    console.log(`== ${n} ${Date.now() - t} ms events=${r.simulatorEvents}`);
    console.log(JSON.stringify(r.measures));
    console.log(JSON.stringify(r.conservation));
    for (const e of r.expectations) console.log(e.holds ? "  ok " : "  FAIL", e.claim);
    console.log("  " + r.explanation);
  }
})().catch(e => { console.error(e); process.exit(1); });
