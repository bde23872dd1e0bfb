/**
 * A batch with `iot`: per-item results say which devices IoT registered and
 * which step failed; the whole batch is refused before anything is written
 * when IoT cannot take it; and IoT's calls are paced to the account's rates,
 * measured on a fake clock (the time each call was made), never on wall time.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, InvalidRequestError, IotServiceError } from "../../../../src/core/errors.js";
import { DEFAULT_IOT_API_RATES, IotCallPacer, parseIotApiRates } from "../../../../src/core/iot/iot-call-pacer.js";
import { issueDeviceBatch } from "../../../../src/core/issuance/issue-device-batch.js";
import { copyOf, createMemoryHierarchy, type MemoryHierarchy } from "../issuance/memory-hierarchy.js";
import {
  FakePacerClock,
  type IotFixture,
  type IotMethod,
  iotOn,
  registerIntermediate,
  sha256Fingerprint,
} from "./iot-fixtures.js";

let pki: MemoryHierarchy;

beforeAll(async () => {
  pki = await createMemoryHierarchy();
});

async function setUp(
  options: { registerDevicesCa?: boolean; clock?: FakePacerClock; rates?: typeof DEFAULT_IOT_API_RATES } = {},
): Promise<MemoryHierarchy & { iot: IotFixture }> {
  const local = copyOf(pki);
  const iot = iotOn(local.store, { pacerClock: options.clock ?? new FakePacerClock(), rates: options.rates });
  if (options.registerDevicesCa ?? true) await registerIntermediate(iot, "devices", pki.devices.record.certificate);
  local.store.clearOperations();
  return { ...local, iot };
}

describe("issueDeviceBatch with iot", () => {
  it("registers each device as asked (a device's own iot wins) and says per device what IoT did", async () => {
    const { store, repository, iot } = await setUp();
    iot.registry.fail = (call) =>
      call.method === "attachPolicy" && call.args[0] === "MissingPolicy"
        ? { error: new IotServiceError("ResourceNotFoundException", "no policy MissingPolicy"), when: "before" }
        : undefined;
    const results = await issueDeviceBatch(
      {
        issuer: "devices",
        keyAlgorithm: "EC-P256",
        iot: { policyName: "FleetPolicy" },
        devices: [
          { deviceId: "sensor-a" },
          { deviceId: "sensor-b", iot: { thingName: "sensor-b", withoutCa: true } },
          { deviceId: "sensor-c", iot: { policyName: "MissingPolicy" } },
        ],
      },
      repository,
      { iot: iot.context },
    );
    expect(results.map((result) => result.ok)).toEqual([true, true, true]);
    const [a, b, c] = results.map((result) => (result.ok ? result.issued : undefined));
    expect(a?.iot).toMatchObject({
      registered: true,
      registration: { policy_name: "FleetPolicy", registered: "with_ca" },
    });
    expect(b?.iot).toMatchObject({
      registered: true,
      registration: { thing_name: "sensor-b", registered: "without_ca" },
    });
    expect(b?.iot?.registered && b.iot.registration.policy_name).toBeUndefined();
    expect(c?.iot).toMatchObject({ registered: false, failedStep: "attach_policy" });
    // All three are stored and in IoT; the failed one has its registration recorded, so a retry only attaches the policy.
    for (const issued of [a, b, c]) {
      expect(store.keys()).toContain(`${issued?.record.folder}certificate.json`);
      expect(store.keys()).toContain(`iot/certificates/${sha256Fingerprint(issued?.record.certificate ?? "")}.json`);
    }
    expect(await iot.records.findDevice(c?.record.serial_number ?? "")).toMatchObject({ policy_name: "MissingPolicy" });
    expect(iot.registry.callsOf("registerCertificate").map((call) => (call.args[0] as any).caCertificatePem)).toEqual(
      expect.arrayContaining([pki.devices.record.certificate, undefined]),
    );
  });

  it("refuses the whole batch before anything is written when a device needs the unregistered issuer (409)", async () => {
    const { store, repository, iot } = await setUp({ registerDevicesCa: false });
    const before = store.snapshot();
    await expect(
      issueDeviceBatch(
        {
          issuer: "devices",
          keyAlgorithm: "EC-P256",
          devices: [
            { deviceId: "ok", iot: { withoutCa: true } },
            { deviceId: "needs-ca", iot: {} },
          ],
        },
        repository,
        { iot: iot.context },
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(store.snapshot()).toEqual(before);
    expect(store.createdKeys()).toEqual([]);
    // Every device without_ca: the issuer need not be registered.
    const results = await issueDeviceBatch(
      { issuer: "devices", keyAlgorithm: "EC-P256", count: 2, iot: { withoutCa: true } },
      repository,
      { iot: iot.context },
    );
    expect(results.every((result) => result.ok && result.issued.iot?.registered)).toBe(true);
  });

  it("refuses more devices than IoT's rate registers in 20 s (400), before anything is written", async () => {
    const { store, repository, iot } = await setUp();
    const refused = await issueDeviceBatch(
      { issuer: "devices", keyAlgorithm: "EC-P256", count: 201, iot: {} },
      repository,
      { iot: iot.context },
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect((refused as InvalidRequestError).field).toBe("iot");
    expect((refused as Error).message).toContain("at most 200 devices");
    expect(store.createdKeys()).toEqual([]);
    // The slowest rate the batch uses sets the limit; devices without iot do not count.
    const slow = await setUp({ rates: { ...DEFAULT_IOT_API_RATES, AttachPolicy: 1 } });
    await expect(
      issueDeviceBatch(
        {
          issuer: "devices",
          keyAlgorithm: "EC-P256",
          devices: Array.from({ length: 25 }, (_, index) => ({ iot: index < 21 ? { policyName: "P" } : undefined })),
        },
        slow.repository,
        { iot: slow.iot.context },
      ),
    ).rejects.toThrow(/at most 20 devices .*AttachPolicy is paced to 1 calls per second/);
    const twenty = await issueDeviceBatch(
      {
        issuer: "devices",
        keyAlgorithm: "EC-P256",
        devices: Array.from({ length: 25 }, (_, index) => ({ iot: index < 20 ? { policyName: "P" } : undefined })),
      },
      slow.repository,
      { iot: slow.iot.context },
    );
    expect(twenty.filter((result) => result.ok && result.issued.iot?.registered)).toHaveLength(20);
    expect(twenty.filter((result) => result.ok && result.issued.iot === undefined)).toHaveLength(5);
  });

  it("paces each IoT operation to its rate: 30 devices take 2.9 s of RegisterCertificate slots, never 11 in a second", async () => {
    const clock = new FakePacerClock();
    const { repository, iot } = await setUp({ clock });
    const results = await issueDeviceBatch(
      {
        issuer: "devices",
        keyAlgorithm: "EC-P256",
        iot: { policyName: "FleetPolicy" },
        devices: Array.from({ length: 30 }, (_, index) => ({
          deviceId: `pace-${index}`,
          iot: { thingName: `pace-${index}`, policyName: "FleetPolicy" },
        })),
      },
      repository,
      { iot: iot.context },
    );
    expect(results.every((result) => result.ok && result.issued.iot?.registered)).toBe(true);
    const rates: Record<IotMethod, number> = {
      registerCertificate: DEFAULT_IOT_API_RATES.RegisterCertificate,
      ensureThing: DEFAULT_IOT_API_RATES.CreateThing,
      attachThingPrincipal: DEFAULT_IOT_API_RATES.AttachThingPrincipal,
      attachPolicy: DEFAULT_IOT_API_RATES.AttachPolicy,
      updateCertificateStatus: DEFAULT_IOT_API_RATES.UpdateCertificate,
      registerCaCertificate: Number.POSITIVE_INFINITY,
    };
    for (const method of ["registerCertificate", "ensureThing", "attachThingPrincipal", "attachPolicy"] as const) {
      const times = iot.registry.callsOf(method).map((call) => call.at);
      expect(times, method).toHaveLength(30);
      expect(mostInOneSecond(times), method).toBeLessThanOrEqual(rates[method]);
      // Evenly spaced: each call at least 1000 / rate ms after the previous one.
      for (let index = 1; index < times.length; index++) {
        expect((times[index] as number) - (times[index - 1] as number), method).toBeGreaterThanOrEqual(
          1000 / rates[method] - 1e-9,
        );
      }
    }
    const registrations = iot.registry.callsOf("registerCertificate").map((call) => call.at);
    expect(registrations[0]).toBe(0);
    expect(registrations.at(-1)).toBeCloseTo(2900, 6);
  });

  it("takes the account's rates from the context (IOT_API_RATES)", async () => {
    const clock = new FakePacerClock();
    const rates = parseIotApiRates("RegisterCertificate=4");
    const { repository, iot } = await setUp({ clock, rates });
    await issueDeviceBatch({ issuer: "devices", keyAlgorithm: "EC-P256", count: 9, iot: {} }, repository, {
      iot: iot.context,
    });
    const times = iot.registry.callsOf("registerCertificate").map((call) => call.at);
    expect(times).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    expect(mostInOneSecond(times)).toBe(4);
  });
});

describe("IotCallPacer and IOT_API_RATES", () => {
  it("spaces one operation's calls at its rate, and leaves other operations alone", async () => {
    const clock = new FakePacerClock();
    const pacer = new IotCallPacer({ ...DEFAULT_IOT_API_RATES, AttachPolicy: 2 }, clock);
    const log: { operation: string; at: number }[] = [];
    const call = async (operation: "AttachPolicy" | "CreateThing") => {
      await pacer.slot(operation);
      log.push({ operation, at: clock.now() });
    };
    await Promise.all([call("AttachPolicy"), call("AttachPolicy"), call("AttachPolicy"), call("CreateThing")]);
    expect(log.filter((entry) => entry.operation === "AttachPolicy").map((entry) => entry.at)).toEqual([0, 500, 1000]);
    expect(log.find((entry) => entry.operation === "CreateThing")?.at).toBe(0);
  });

  it("reads IOT_API_RATES over AWS's defaults, and names the setting for anything else", () => {
    expect(parseIotApiRates(undefined)).toEqual(DEFAULT_IOT_API_RATES);
    expect(DEFAULT_IOT_API_RATES).toMatchObject({
      RegisterCertificate: 10,
      AttachThingPrincipal: 100,
      CreateThing: 100,
    });
    expect(parseIotApiRates(" RegisterCertificate=20, AttachPolicy = 2.5 ")).toEqual({
      ...DEFAULT_IOT_API_RATES,
      RegisterCertificate: 20,
      AttachPolicy: 2.5,
    });
    for (const bad of ["RegisterCertificate", "Nope=3", "AttachPolicy=0", "AttachPolicy=-1", "CreateThing=fast"]) {
      expect(() => parseIotApiRates(bad), bad).toThrow(/^IOT_API_RATES must be comma-separated/);
    }
  });
});

/** The most calls within any window of 1000 ms (a call at t counts in [t, t + 1000)). */
function mostInOneSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let start = 0; start < sorted.length; start++) {
    const first = sorted[start] as number;
    const inWindow = sorted.filter((time) => time >= first && time < first + 1000).length;
    most = Math.max(most, inWindow);
  }
  return most;
}
