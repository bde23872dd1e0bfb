/**
 * The broker configuration the CLI writes: mutual TLS on the asked port, the
 * bundle's files by relative name. (tests/e2e/cli starts Mosquitto on it.)
 */
import { describe, expect, it } from "vitest";
import { mosquittoConfig } from "../../../src/cli/mosquitto-config.js";

const directives = (text: string) => text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));

describe("mosquittoConfig", () => {
  it("listens on 8883 unless told otherwise, with the bundle's files and client certificates required", () => {
    expect(directives(mosquittoConfig({ fqdn: "broker.dev.example.com" }))).toEqual([
      "listener 8883",
      "cafile ca.crt",
      "certfile server.crt",
      "keyfile server.key",
      "require_certificate true",
      "use_identity_as_username true",
      "allow_anonymous false",
    ]);
    expect(directives(mosquittoConfig({ fqdn: "localhost", port: 18883 }))[0]).toBe("listener 18883");
  });

  it("says how to start it, in a comment", () => {
    expect(mosquittoConfig({ fqdn: "localhost" })).toContain("#   mosquitto -c mosquitto.conf");
  });
});
