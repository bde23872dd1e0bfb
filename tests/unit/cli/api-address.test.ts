/**
 * Which API the CLI calls, and what it says when nothing answers there: the
 * URL comes from --api, IOT_CERTS_API or the local server's PORT, in that order.
 */
import { describe, expect, it } from "vitest";
import { resolveApiAddress, unreachableApiHint } from "../../../src/cli/api-address.js";

describe("resolveApiAddress", () => {
  it("takes --api first, then IOT_CERTS_API, then the local server at PORT, then port 3000", () => {
    const env = { IOT_CERTS_API: "https://abc.execute-api.eu-north-1.amazonaws.com/prod/", PORT: "3100" };
    expect(resolveApiAddress("http://127.0.0.1:4000/", env)).toEqual({
      url: "http://127.0.0.1:4000",
      source: "--api",
    });
    expect(resolveApiAddress(undefined, env)).toEqual({
      url: "https://abc.execute-api.eu-north-1.amazonaws.com/prod",
      source: "IOT_CERTS_API",
    });
    expect(resolveApiAddress(undefined, { PORT: "3100" })).toEqual({ url: "http://127.0.0.1:3100", source: "PORT" });
    expect(resolveApiAddress(undefined, { IOT_CERTS_API: " ", PORT: "" })).toEqual({
      url: "http://127.0.0.1:3000",
      source: "default",
    });
  });
});

describe("unreachableApiHint", () => {
  it("names where the address came from and every setting that changes it", () => {
    const hint = unreachableApiHint({ url: "http://127.0.0.1:3000", source: "default" });
    expect(hint).toContain("http://127.0.0.1:3000 is the local server's default address (PORT is not set, so 3000)");
    for (const name of ["--api URL", "IOT_CERTS_API=URL", "npm start", "PORT"]) expect(hint).toContain(name);
    expect(unreachableApiHint({ url: "http://h:1", source: "IOT_CERTS_API" })).toContain(
      "http://h:1 is from IOT_CERTS_API",
    );
  });
});
