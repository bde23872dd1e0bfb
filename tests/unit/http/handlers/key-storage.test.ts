/**
 * `key_storage` at the HTTP edge: the local store refuses `kms` with a 400
 * naming the field and what it needs (nothing written), a bad value is a
 * 400, `DEFAULT_CA_KEY_STORAGE` is read and checked, and responses say where
 * a CA's key is (never the key). KMS itself: tests/unit/adapters/kms-ca-key-custody.test.ts.
 */
import { readdirSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  caKeyCustodiesOfDeployment,
  defaultCaKeyStorage,
  resetServicesForTesting,
} from "../../../../src/composition-root.js";
import { handler as createIntermediate } from "../../../../src/http/handlers/create-intermediate-ca.js";
import { handler as createRoot } from "../../../../src/http/handlers/create-root-ca.js";
import { handler as getCertificate } from "../../../../src/http/handlers/get-certificate.js";
import { temporaryDirectory } from "../../../support/temporary-directory.js";
import { apiEvent, expectProblem, json, post, setUpServices } from "./handler-harness.js";

let directory: { path: string; remove: () => void };

beforeEach(() => {
  directory = temporaryDirectory("iot-certs-key-storage-");
  vi.stubEnv("CERTIFICATE_BUCKET_NAME", "");
  vi.stubEnv("LOCAL_STORE_DIR", directory.path);
  vi.stubEnv("DEFAULT_CA_KEY_STORAGE", "");
  resetServicesForTesting();
});

afterEach(() => {
  resetServicesForTesting();
  vi.unstubAllEnvs();
  directory.remove();
});

describe("key_storage in local mode (no bucket)", () => {
  it("refuses a kms root with a 400 naming key_storage and CERTIFICATE_BUCKET_NAME, and writes nothing", async () => {
    const result = await createRoot(post("/certificates/root", { name: "lab", key_storage: "kms" }));
    const problem = expectProblem(result, 400, "key_storage");
    expect(problem.detail).toContain("CERTIFICATE_BUCKET_NAME");
    expect(problem.detail).toContain("AWS");
    expect(readdirSync(directory.path)).toEqual([]);
  });

  it("refuses a kms intermediate the same way, even when the root exists", async () => {
    expect((await createRoot(post("/certificates/root", { name: "lab", key_algorithm: "EC-P256" }))).statusCode).toBe(
      201,
    );
    const result = await createIntermediate(
      post("/certificates/intermediate", { name: "devices", issuer: "lab", key_storage: "kms" }),
    );
    expectProblem(result, 400, "key_storage");
  });

  it("refuses kms as the deployment's default too, when a request names none", async () => {
    vi.stubEnv("DEFAULT_CA_KEY_STORAGE", "kms");
    resetServicesForTesting();
    expectProblem(await createRoot(post("/certificates/root", { name: "lab" })), 400, "key_storage");
    expect(readdirSync(directory.path)).toEqual([]);
  });

  it("refuses an unknown key_storage with a 400 listing the choices", async () => {
    const problem = expectProblem(
      await createRoot(post("/certificates/root", { key_storage: "hsm" })),
      400,
      "key_storage",
    );
    expect(problem.detail).toContain("s3, kms");
  });

  it("stores an s3 CA and says so in the response and in GET", async () => {
    const created = json(await createRoot(post("/certificates/root", { name: "lab", key_algorithm: "EC-P256" })));
    expect(created.key_storage).toBe("s3");
    expect(created.kms_key_arn).toBeUndefined();
    const fetched = await getCertificate(
      apiEvent({ method: "GET", resource: "/certificates/root/{name}", pathParameters: { name: "lab" } }),
    );
    expect(json(fetched)).toMatchObject({ key_storage: "s3", name: "lab" });
  });
});

describe("DEFAULT_CA_KEY_STORAGE", () => {
  it("is s3 when unset, kms when set so, and an error naming the variable otherwise", () => {
    expect(defaultCaKeyStorage({})).toBe("s3");
    expect(defaultCaKeyStorage({ DEFAULT_CA_KEY_STORAGE: "kms" })).toBe("kms");
    expect(() => defaultCaKeyStorage({ DEFAULT_CA_KEY_STORAGE: "KMS!" })).toThrow(
      "DEFAULT_CA_KEY_STORAGE must be one of s3, kms; got 'KMS!'",
    );
  });

  it("offers kms in the S3 configuration", () => {
    setUpServices();
    expect(caKeyCustodiesOfDeployment().custody("kms").storage).toBe("kms");
  });
});
