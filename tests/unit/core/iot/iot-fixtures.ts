/**
 * IoT for the core's tests: LocalIotRegistry (IoT's stand-in, which checks
 * what IoT checks and answers IoT's error codes) on the same in-memory store
 * as the certificates, wrapped to record every call (with a fake clock's
 * time) and to fail chosen calls.
 */
import { X509Certificate } from "node:crypto";
import { LocalIotRegistry } from "../../../../src/adapters/local-iot-registry.js";
import { DependencyError } from "../../../../src/core/errors.js";
import type { PacerClock } from "../../../../src/core/iot/iot-call-pacer.js";
import { IotRegistrationRecords } from "../../../../src/core/iot/iot-registration-records.js";
import type { IotContext } from "../../../../src/core/iot/register-device-with-iot.js";
import type { IotRegistry } from "../../../../src/core/ports.js";
import type { MemoryObjectStore } from "../../../support/storage/memory-object-store.js";

export type IotMethod = Exclude<keyof IotRegistry, "dataEndpoint" | "registrationCode" | "describeCaCertificate">;

export interface IotCall {
  method: IotMethod;
  args: unknown[];
  /** The fake clock's time when the call was made (0 without a clock). */
  at: number;
}

/** A registry that records its calls and fails those `failures` picks (before or after the real call). */
export class RecordingIotRegistry implements IotRegistry {
  readonly calls: IotCall[] = [];
  /** Chooses a call's failure: `before` (IoT never saw it) or `after` (IoT did it; the answer was lost). */
  fail: ((call: IotCall) => { error: Error; when: "before" | "after" } | undefined) | undefined;

  constructor(
    readonly local: LocalIotRegistry,
    private readonly clock?: PacerClock,
  ) {}

  dataEndpoint = () => this.local.dataEndpoint();
  registrationCode = () => this.local.registrationCode();
  registerCaCertificate: IotRegistry["registerCaCertificate"] = (request) => this.local.registerCaCertificate(request);
  describeCaCertificate: IotRegistry["describeCaCertificate"] = (id) => this.local.describeCaCertificate(id);
  registerCertificate: IotRegistry["registerCertificate"] = (request) =>
    this.run("registerCertificate", [request], () => this.local.registerCertificate(request));
  updateCertificateStatus: IotRegistry["updateCertificateStatus"] = (id, status) =>
    this.run("updateCertificateStatus", [id, status], () => this.local.updateCertificateStatus(id, status));
  ensureThing: IotRegistry["ensureThing"] = (name) =>
    this.run("ensureThing", [name], () => this.local.ensureThing(name));
  attachThingPrincipal: IotRegistry["attachThingPrincipal"] = (name, arn) =>
    this.run("attachThingPrincipal", [name, arn], () => this.local.attachThingPrincipal(name, arn));
  attachPolicy: IotRegistry["attachPolicy"] = (name, arn) =>
    this.run("attachPolicy", [name, arn], () => this.local.attachPolicy(name, arn));

  /** The calls of one method, in order. */
  callsOf(method: IotMethod): IotCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  private async run<T>(method: IotMethod, args: unknown[], call: () => Promise<T>): Promise<T> {
    const recorded = { method, args, at: this.clock?.now() ?? 0 };
    this.calls.push(recorded);
    const failure = this.fail?.(recorded);
    if (failure?.when === "before") throw failure.error;
    const result = await call();
    if (failure?.when === "after") throw failure.error;
    return result;
  }
}

export interface IotFixture {
  registry: RecordingIotRegistry;
  local: LocalIotRegistry;
  records: IotRegistrationRecords;
  context: IotContext;
}

/** IoT on `store`, with nothing registered yet. */
export function iotOn(store: MemoryObjectStore, options: Partial<IotContext> = {}): IotFixture {
  const local = new LocalIotRegistry(store);
  const registry = new RecordingIotRegistry(local, options.pacerClock);
  const records = new IotRegistrationRecords(store);
  return { registry, local, records, context: { registry, records, ...options } };
}

/** Registers the intermediate `name` with (local) IoT and records it, as the CA registration route does. */
export async function registerIntermediate(iot: IotFixture, name: string, certificatePem: string): Promise<void> {
  const registered = await iot.local.registerCaCertificate({
    caCertificatePem: certificatePem,
    mode: "SNI_ONLY",
    setAsActive: true,
    allowAutoRegistration: false,
    tags: {},
  });
  await iot.records.createCa("intermediate", name, {
    ca_certificate_id: registered.certificateId,
    ca_certificate_arn: registered.certificateArn,
    mode: "SNI_ONLY",
    status: registered.status,
    iot_data_endpoint: await iot.local.dataEndpoint(),
    allow_auto_registration: false,
    registered_at: new Date().toISOString(),
  });
}

/** IoT's id of a certificate, computed independently of the code under test (Node's own fingerprint). */
export function sha256Fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();
}

/** A passing failure (what a throttled or unreachable IoT becomes once the SDK gives up). */
export function unavailable(operation: string): DependencyError {
  return new DependencyError(`IoT ${operation} failed: 503 ServiceUnavailableException`);
}

/**
 * A fake clock for the pacer: `sleep` queues a timer, and the earliest timer
 * fires (time jumps to it) one macrotask at a time, so whatever a woken
 * caller does at once happens at that timer's time. No wall time passes.
 */
export class FakePacerClock implements PacerClock {
  private time = 0;
  private readonly timers: { at: number; resolve: () => void }[] = [];
  private scheduled = false;

  now(): number {
    return this.time;
  }

  sleep(milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.time + milliseconds, resolve });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers.shift();
      if (!next) return;
      this.time = Math.max(this.time, next.at);
      next.resolve();
      if (this.timers.length > 0) this.schedule();
    });
  }
}
