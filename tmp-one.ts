import { runScenario, findScenario } from "./lab/runner";
(async () => {
  const name = process.argv[2];
  await runScenario(findScenario(name));
  const t = Date.now(); await runScenario(findScenario(name)); console.log(name, Date.now() - t, "ms");
})();
