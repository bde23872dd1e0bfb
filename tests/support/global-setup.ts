import { execFileSync } from "node:child_process";

/** Builds the function bundles and the local server once before all tests. */
export default function setup(): void {
  execFileSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
}
