/**
 * LocalIotRegistry on the local directory store (what `npm start` uses): a
 * status change and IoT's thing and policy names, whose characters (`:` in a
 * thing name, `+=,.@` in a policy name) the directory store refuses in a
 * key as they are, all land in files, and read back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileObjectStore } from "../../../src/adapters/file-object-store.js";
import { LocalIotRegistry } from "../../../src/adapters/local-iot-registry.js";
import { issueDeviceCertificate } from "../../../src/core/issuance/issue-device-certificate.js";
import { temporaryDirectory } from "../../support/temporary-directory.js";
import { createMemoryHierarchy } from "../core/issuance/memory-hierarchy.js";

const directory = temporaryDirectory("local-iot-");
let certificatePem: string;

beforeAll(async () => {
  const pki = await createMemoryHierarchy();
  certificatePem = (await issueDeviceCertificate({ issuer: "devices", keyAlgorithm: "EC-P256" }, pki.repository)).record
    .certificate;
});

afterAll(() => directory.remove());

describe("LocalIotRegistry on FileObjectStore", () => {
  it("registers, revokes, and attaches things and policies whatever IoT's names allow", async () => {
    const store = new FileObjectStore(directory.path);
    const iot = new LocalIotRegistry(store);
    const { certificateId, certificateArn } = await iot.registerCertificate({ certificatePem, status: "ACTIVE" });
    await iot.updateCertificateStatus(certificateId, "REVOKED");
    expect(await iot.certificateStatus(certificateId)).toBe("REVOKED");

    for (const thingName of ["factory:line-1:sensor_9", "plain-thing"]) {
      const { thingArn } = await iot.ensureThing(thingName);
      expect(thingArn).toBe(`arn:aws:iot:local:000000000000:thing/${thingName}`);
      await iot.attachThingPrincipal(thingName, certificateArn);
    }
    for (const policyName of ["Fleet+Policy=v1,a.b@c-d", ".", ".."]) await iot.attachPolicy(policyName, certificateArn);

    const things = (await store.list("iot/things/")).keys;
    expect(things).toEqual(["iot/things/factory~3aline-1~3asensor_9.json", "iot/things/plain-thing.json"]);
    expect(JSON.parse((await store.get(things[0] as string)) ?? "{}").thing_name).toBe("factory:line-1:sensor_9");
    expect((await store.list("iot/thing_principals/")).keys).toHaveLength(2);
    expect((await store.list("iot/policy_principals/")).keys.sort()).toEqual(
      [
        `iot/policy_principals/Fleet~2bPolicy~3dv1~2ca~2eb~40c-d/${certificateId}.json`,
        `iot/policy_principals/~2e/${certificateId}.json`,
        `iot/policy_principals/~2e~2e/${certificateId}.json`,
      ].sort(),
    );
  });
});
