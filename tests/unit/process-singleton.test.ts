/**
 * processSingleton: two copies of a module in one process (as the local
 * server holds one per function bundle) get the same value by name.
 */
import { describe, expect, it } from "vitest";
import * as firstCopy from "../../src/process-singleton.js";

/** A second, separately evaluated copy of the module, as another bundle carries it. */
async function secondCopy(): Promise<typeof firstCopy> {
  const path = "../../src/process-singleton.js?as-another-bundle";
  return (await import(/* @vite-ignore */ path)) as typeof firstCopy;
}

describe("processSingleton", () => {
  it("gives every copy of the module the value the first call made, until it is removed", async () => {
    const other = await secondCopy();
    expect(other).not.toBe(firstCopy);
    const made = firstCopy.processSingleton("test.shared", () => ({ made: "first" }));
    expect(other.processSingleton("test.shared", () => ({ made: "second" }))).toBe(made);
    expect(other.removeProcessSingleton("test.shared")).toBe(made);
    expect(firstCopy.processSingleton("test.shared", () => ({ made: "again" }))).toEqual({ made: "again" });
    firstCopy.removeProcessSingleton("test.shared");
  });

  it("keeps values of different names apart, and removing an absent name returns undefined", () => {
    const a = firstCopy.processSingleton("test.a", () => 1);
    const b = firstCopy.processSingleton("test.b", () => 2);
    expect([a, b]).toEqual([1, 2]);
    expect(firstCopy.removeProcessSingleton("test.absent")).toBeUndefined();
    firstCopy.removeProcessSingleton("test.a");
    firstCopy.removeProcessSingleton("test.b");
  });
});
