/**
 * Keeps a batch's AWS IoT Core calls within the account's API rates. IoT
 * throttles each control-plane operation per account and Region; a batch of
 * hundreds of devices sent at full speed would be throttled and spend its
 * time in the SDK's retries (which remain the safety net, for calls other
 * functions make at the same time). Here each operation's calls are spaced
 * evenly at its rate, so the batch runs as fast as IoT allows and no faster.
 *
 * Default rates are AWS IoT Core's default quotas, "AWS IoT Core endpoints
 * and quotas" (AWS General Reference, API throttling) and the Service
 * Quotas console (`iotcore`: CreateThing API TPS and AttachThingPrincipal API
 * TPS 100). Accounts with raised quotas set theirs with `IOT_API_RATES`
 * (src/composition-root.ts).
 */
import type { IotCertificateStatus, IotDeviceRegistrationRequest, IotRegistry } from "../ports.js";

/** The IoT operations a device registration or revocation makes. */
export const IOT_OPERATIONS = [
  "RegisterCertificate",
  "RegisterCertificateWithoutCA",
  "CreateThing",
  "AttachThingPrincipal",
  "AttachPolicy",
  "UpdateCertificate",
] as const;

export type IotOperation = (typeof IOT_OPERATIONS)[number];

/** Calls per second, per operation. */
export type IotApiRates = Record<IotOperation, number>;

/** AWS IoT Core's default rates (transactions per second per account and Region). */
export const DEFAULT_IOT_API_RATES: IotApiRates = {
  RegisterCertificate: 10,
  RegisterCertificateWithoutCA: 10,
  CreateThing: 100,
  AttachThingPrincipal: 100,
  AttachPolicy: 15,
  UpdateCertificate: 10,
};

/** Time as the pacer sees it: real time by default, a fake clock in tests. */
export interface PacerClock {
  /** Milliseconds (any epoch; only differences count). */
  now(): number;
  sleep(milliseconds: number): Promise<void>;
}

export const SYSTEM_PACER_CLOCK: PacerClock = {
  now: () => performance.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};

/**
 * Hands out call slots: an operation at `r` calls per second gets one slot
 * every `1000 / r` ms, in the order they are asked for, so no second ever
 * holds more than `r` calls of it. Operations do not wait for each other.
 */
export class IotCallPacer {
  private readonly nextSlot = new Map<IotOperation, number>();

  constructor(
    private readonly rates: IotApiRates = DEFAULT_IOT_API_RATES,
    private readonly clock: PacerClock = SYSTEM_PACER_CLOCK,
  ) {}

  /** Resolves when `operation` may be called. */
  async slot(operation: IotOperation): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot.get(operation) ?? now);
    this.nextSlot.set(operation, slot + 1000 / this.rates[operation]);
    if (slot > now) await this.clock.sleep(slot - now);
  }
}

/** `registry` with each call made in its operation's next slot of `pacer`. */
export function pacedIotRegistry(registry: IotRegistry, pacer: IotCallPacer): IotRegistry {
  const paced = async <T>(operation: IotOperation, call: () => Promise<T>): Promise<T> => {
    await pacer.slot(operation);
    return call();
  };
  return {
    dataEndpoint: () => registry.dataEndpoint(),
    registrationCode: () => registry.registrationCode(),
    registerCaCertificate: (request) => registry.registerCaCertificate(request),
    describeCaCertificate: (certificateId) => registry.describeCaCertificate(certificateId),
    registerCertificate: (request: IotDeviceRegistrationRequest) =>
      paced(request.caCertificatePem === undefined ? "RegisterCertificateWithoutCA" : "RegisterCertificate", () =>
        registry.registerCertificate(request),
      ),
    updateCertificateStatus: (certificateId: string, status: IotCertificateStatus) =>
      paced("UpdateCertificate", () => registry.updateCertificateStatus(certificateId, status)),
    ensureThing: (thingName: string) => paced("CreateThing", () => registry.ensureThing(thingName)),
    attachThingPrincipal: (thingName: string, certificateArn: string) =>
      paced("AttachThingPrincipal", () => registry.attachThingPrincipal(thingName, certificateArn)),
    attachPolicy: (policyName: string, certificateArn: string) =>
      paced("AttachPolicy", () => registry.attachPolicy(policyName, certificateArn)),
  };
}

/**
 * Reads rates like `RegisterCertificate=20,AttachPolicy=30` over the
 * defaults; throws an Error naming the setting for anything else.
 */
export function parseIotApiRates(value: string | undefined, setting = "IOT_API_RATES"): IotApiRates {
  const rates = { ...DEFAULT_IOT_API_RATES };
  const text = value?.trim();
  if (!text) return rates;
  for (const part of text.split(",")) {
    const [name, figure] = part.split("=").map((piece) => piece.trim());
    const rate = figure !== undefined && /^\d{1,5}(\.\d+)?$/.test(figure) ? Number(figure) : Number.NaN;
    if (!(IOT_OPERATIONS as readonly string[]).includes(name ?? "") || !(rate > 0 && rate <= 10_000)) {
      throw new Error(
        `${setting} must be comma-separated <operation>=<calls per second> (operations: ${IOT_OPERATIONS.join(", ")}; rates above 0, at most 10000), e.g. RegisterCertificate=20; got '${text}'`,
      );
    }
    rates[name as IotOperation] = rate;
  }
  return rates;
}
