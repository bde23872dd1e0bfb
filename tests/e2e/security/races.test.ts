/**
 * Concurrent creation of one CA name: exactly one request wins. 20 POSTs of
 * the same root (then intermediate) name arrive at once at the local server,
 * once on the local store and once on S3 (moto_server, with real
 * `If-None-Match: *` conditional writes). Exactly one gets 201, the others
 * 409; the stored `ca.json` is the winner's (same serial and certificate);
 * the key in the winner's folder matches its certificate; and no loser's
 * material remains under `<prefix>/<name>/` besides the winner's folder.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MotoServer, startMotoServer } from "../../support/moto-server.js";
import { type LaunchedServer, launchLocalServer } from "../../support/security/launch.js";
import { bucketKeys, directoriesUnder, filesUnder, keyMatchesCertificate } from "../../support/security/material.js";

const CONCURRENT_REQUESTS = 20;
const BUCKET = "race-certificates";

interface Backend {
  name: string;
  api: LaunchedServer;
  /** Keys (relative to the store) under `prefix`. */
  keys(prefix: string): Promise<string[]>;
  read(key: string): Promise<string | undefined>;
}

let moto: MotoServer;
const backends: Backend[] = [];

beforeAll(async () => {
  moto = await startMotoServer();
  await moto.createBucket(BUCKET);
  const [local, s3] = await Promise.all([
    launchLocalServer(),
    launchLocalServer({ CERTIFICATE_BUCKET_NAME: BUCKET, ...moto.env }),
  ]);
  backends.push(
    {
      name: "local store",
      api: local,
      keys: async (prefix) => filesUnder(join(local.storeDirectory, prefix)).map((file) => `${prefix}${file}`),
      read: async (key) => {
        try {
          return readFileSync(join(local.storeDirectory, key), "utf8");
        } catch {
          return undefined;
        }
      },
    },
    {
      name: "S3 (moto_server)",
      api: s3,
      keys: (prefix) => bucketKeys(moto.s3, BUCKET, prefix),
      read: async (key) => {
        const response = await moto.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        return response.Body?.transformToString("utf-8");
      },
    },
  );
});

afterAll(async () => {
  await Promise.all(backends.map((backend) => backend.api.stop()));
  await moto?.stop();
});

async function race(backend: Backend, path: string, body: Record<string, unknown>) {
  const responses = await Promise.all(
    Array.from({ length: CONCURRENT_REQUESTS }, () => backend.api.request("POST", path, { body })),
  );
  const statuses = responses.map((response) => response.status);
  const winners = responses.filter((response) => response.status === 201);
  expect(winners, `statuses: ${statuses.join(",")}`).toHaveLength(1);
  expect(
    statuses.filter((status) => status === 409),
    `statuses: ${statuses.join(",")}`,
  ).toHaveLength(CONCURRENT_REQUESTS - 1);
  for (const loser of responses.filter((response) => response.status === 409)) {
    expect(loser.headers.get("content-type")).toBe("application/problem+json");
    expect(loser.body).toMatchObject({ status: 409, field: "name" });
  }
  return winners[0]?.body as { serial_number: string; certificate: string; s3_folder: string };
}

async function expectOnlyWinnerRemains(
  backend: Backend,
  prefix: string,
  winner: { serial_number: string; certificate: string; s3_folder: string },
) {
  const record = JSON.parse((await backend.read(`${prefix}ca.json`)) ?? "{}");
  expect(record.serial_number).toBe(winner.serial_number);
  expect(record.certificate).toBe(winner.certificate);
  expect(winner.s3_folder).toBe(`${prefix}${winner.serial_number}/`);

  const privateKey = await backend.read(`${prefix}${winner.serial_number}/private_key.pem`);
  expect(privateKey).toContain("PRIVATE KEY");
  expect(keyMatchesCertificate(privateKey ?? "", winner.certificate)).toBe(true);
  expect(await backend.read(`${prefix}${winner.serial_number}/certificate.pem`)).toBe(winner.certificate);

  const keys = await backend.keys(prefix);
  const losers = keys.filter(
    (key) => key !== `${prefix}ca.json` && !key.startsWith(`${prefix}${winner.serial_number}/`),
  );
  expect(losers).toEqual([]);
}

describe.each([0, 1])("20 concurrent creations of one CA name (%#)", (index) => {
  it("root: exactly one 201, the rest 409, and only the winner's material is stored", async () => {
    const backend = backends[index] as Backend;
    const winner = await race(backend, "/certificates/root", { name: "race-root", key_algorithm: "EC-P256" });
    await expectOnlyWinnerRemains(backend, "root_ca/race-root/", winner);
  });

  it("intermediate: exactly one 201, the rest 409, and only the winner's material is stored", async () => {
    const backend = backends[index] as Backend;
    const root = await backend.api.request("POST", "/certificates/root", {
      body: { name: "race-parent", key_algorithm: "EC-P256" },
    });
    expect(root.status).toBe(201);
    const winner = await race(backend, "/certificates/intermediate", {
      name: "race-intermediate",
      issuer: "race-parent",
      key_algorithm: "EC-P256",
    });
    await expectOnlyWinnerRemains(backend, "intermediate_ca/race-intermediate/", winner);
    const chain = await backend.read(`intermediate_ca/race-intermediate/${winner.serial_number}/certificate_chain.pem`);
    expect(chain).toBe(`${winner.certificate}${root.body.certificate}`);
  });
});

describe("the local store after the races", () => {
  it("keeps no empty folders of the losers (what a user sees with ls is what S3 would list)", () => {
    const local = backends[0] as Backend;
    for (const prefix of ["root_ca/race-root", "intermediate_ca/race-intermediate"]) {
      const record = JSON.parse(readFileSync(join(local.api.storeDirectory, prefix, "ca.json"), "utf8"));
      expect(directoriesUnder(join(local.api.storeDirectory, prefix))).toEqual([record.serial_number]);
    }
  });
});
