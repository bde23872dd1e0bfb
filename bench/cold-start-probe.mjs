// Cold start probe, run in a fresh `node` process by bench/sections/cold-start.ts.
// argv: <bundle.mjs> <import|invoke> [event JSON]
// import: loads the bundle (module evaluation only; a floor bundle makes its
//         one SDK call at the top level, so this covers it).
// invoke: loads it and calls handler(event) once, which creates the function's
//         clients and makes its first storage call (to an endpoint that
//         refuses at once), as a Lambda's first invocation does.
// Writes "<status or -> <CPU ms of the process so far, all threads>" to stdout.
import { pathToFileURL } from "node:url";

const [bundle, mode, eventJson] = process.argv.slice(2);
const module = await import(pathToFileURL(bundle).href);
let status = "-";
if (mode === "invoke") {
  const result = await module.handler(JSON.parse(eventJson));
  status = String(result.statusCode);
}
const cpu = process.cpuUsage();
process.stdout.write(`${status} ${(cpu.user + cpu.system) / 1000}`);
process.exit(0);
