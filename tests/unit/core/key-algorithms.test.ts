/**
 * Private keys leave the core as PKCS#8 PEM, exported by WebCrypto: what
 * OpenSSL reads as the same key (the public half matches), what imports
 * back for signing, in the one PEM format of the codebase.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  exportPrivateKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  KEY_ALGORITHMS,
  webCryptoParams,
} from "../../../src/core/key-algorithms.js";
import { runWithFiles } from "../../support/api/openssl-tools.js";

describe("exportPrivateKeyPem", () => {
  it.each(KEY_ALGORITHMS)("%s: PKCS#8 PEM that OpenSSL reads as the key pair's private key", async (algorithm) => {
    const keys = await generateKeyPair(algorithm);
    const pem = await exportPrivateKeyPem(keys.privateKey);

    const lines = pem.split("\n");
    expect(lines[0]).toBe("-----BEGIN PRIVATE KEY-----");
    expect(lines.at(-2)).toBe("-----END PRIVATE KEY-----");
    expect(lines.slice(1, -3).every((line) => line.length === 64)).toBe(true);
    expect(pem.endsWith("-----END PRIVATE KEY-----\n")).toBe(true);

    const opened = createPrivateKey(pem);
    expect(opened.asymmetricKeyType).toBe(
      algorithm.startsWith("RSA") ? "rsa" : algorithm === "Ed25519" ? "ed25519" : "ec",
    );
    // The same key: the public half OpenSSL derives from the PEM is the pair's public key.
    expect(createPublicKey(pem).export({ type: "spki", format: "der" })).toEqual(
      Buffer.from(await crypto.subtle.exportKey("spki", keys.publicKey)),
    );

    const cli = runWithFiles("openssl", (f) => ["pkey", "-in", f["key.pem"] as string, "-noout", "-text"], {
      "key.pem": pem,
    });
    expect(cli.status, cli.stderr).toBe(0);
  });

  it.each(KEY_ALGORITHMS)("%s: imports back for signing; the public key verifies", async (algorithm) => {
    const keys = await generateKeyPair(algorithm);
    const signingKey = await importPrivateKeyPem(await exportPrivateKeyPem(keys.privateKey), algorithm);
    expect(signingKey.type).toBe("private");
    expect(signingKey.extractable).toBe(false);
    const data = new TextEncoder().encode("issue 11");
    const signature = await crypto.subtle.sign(webCryptoParams(algorithm), signingKey, data);
    expect(await crypto.subtle.verify(webCryptoParams(algorithm), keys.publicKey, signature, data)).toBe(true);
  });

  it("exports through the Crypto it is given (WebCrypto's PKCS#8 export)", async () => {
    const keys = await generateKeyPair("EC-P256");
    const calls: string[] = [];
    const subtle = new Proxy(crypto.subtle, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(`${String(property)}:${String(args[0])}`);
          return value.apply(target, args);
        };
      },
    });
    await exportPrivateKeyPem(keys.privateKey, { subtle } as Crypto);
    expect(calls).toEqual(["exportKey:pkcs8"]);
  });
});

describe("importPrivateKeyPem", () => {
  it("refuses text that holds no PKCS#8 private key", async () => {
    await expect(
      importPrivateKeyPem("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n", "EC-P256"),
    ).rejects.toThrow("not a PEM PRIVATE KEY");
  });
});
