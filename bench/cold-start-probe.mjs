// Cold start probe, run in a fresh `node` process by bench/sections/cold-start.ts.
// argv: <bundle.mjs> <import|invoke> [event JSON]
// import: loads the bundle (module evaluation only).
// invoke: loads it and calls handler(event) once, which creates the function's
//         clients and makes its first storage call (to an endpoint that
//         refuses at once), as a Lambda's first invocation does.
import { pathToFileURL } from "node:url";

const [bundle, mode, eventJson] = process.argv.slice(2);
const module = await import(pathToFileURL(bundle).href);
if (mode === "invoke") {
  const result = await module.handler(JSON.parse(eventJson));
  process.stdout.write(String(result.statusCode));
}
process.exit(0);
