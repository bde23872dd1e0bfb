/**
 * IotRegistry on AWS IoT Core through `@aws-sdk/client-iot`. Signing,
 * retries (including on throttling: IoT's control-plane calls have per-account
 * rates, e.g. RegisterCertificate 10 per second by default), region,
 * credentials and endpoints are the SDK's, configured where the client is
 * made (src/composition-root.ts, which loads this module only in functions
 * that call IoT, at their first call).
 *
 * IoT's refusals (a 4xx answer: `CertificateValidationException`,
 * `ResourceAlreadyExistsException`, `LimitExceededException`, ...) become an
 * IotServiceError with IoT's code, which the API answers as problem+json;
 * missing or refused credentials, no region and an unreachable endpoint host a
 * ConfigurationError; throttling that outlasted the retries, 5xx and network
 * failures a DependencyError (503: safe to retry).
 */
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateThingCommand,
  DescribeCACertificateCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  GetRegistrationCodeCommand,
  type IoTClient,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RegisterCertificateWithoutCACommand,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import { ConfigurationError, DependencyError, IotServiceError } from "../core/errors.js";
import type {
  IotCaCertificateDescription,
  IotCaRegistrationRequest,
  IotCertificateRef,
  IotCertificateStatus,
  IotDeviceRegistrationRequest,
  IotRegistry,
} from "../core/ports.js";

export class IotCoreRegistry implements IotRegistry {
  private endpoint: Promise<string> | undefined;

  constructor(private readonly client: IoTClient) {}

  /** The `iot:Data-ATS` endpoint, asked once per execution environment (it never changes for an account and Region). */
  dataEndpoint(): Promise<string> {
    this.endpoint ??= this.call("DescribeEndpoint", async () => {
      const { endpointAddress } = await this.client.send(new DescribeEndpointCommand({ endpointType: "iot:Data-ATS" }));
      if (!endpointAddress) throw new DependencyError("IoT DescribeEndpoint returned no endpointAddress");
      return endpointAddress;
    }).catch((error: unknown) => {
      this.endpoint = undefined;
      throw error;
    });
    return this.endpoint;
  }

  registrationCode(): Promise<string> {
    return this.call("GetRegistrationCode", async () => {
      const { registrationCode } = await this.client.send(new GetRegistrationCodeCommand({}));
      if (!registrationCode) throw new DependencyError("IoT GetRegistrationCode returned no registrationCode");
      return registrationCode;
    });
  }

  registerCaCertificate(request: IotCaRegistrationRequest): Promise<IotCertificateRef & { status: string }> {
    return this.call("RegisterCACertificate", async () => {
      const response = await this.client.send(
        new RegisterCACertificateCommand({
          caCertificate: request.caCertificatePem,
          certificateMode: request.mode,
          ...(request.verificationCertificatePem !== undefined
            ? { verificationCertificate: request.verificationCertificatePem }
            : {}),
          setAsActive: request.setAsActive,
          allowAutoRegistration: request.allowAutoRegistration,
          ...(request.registrationConfig ? { registrationConfig: request.registrationConfig } : {}),
          tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return {
        ...reference("RegisterCACertificate", response),
        status: request.setAsActive ? "ACTIVE" : "INACTIVE",
      };
    });
  }

  /** `DescribeCACertificate`; undefined when IoT answers `ResourceNotFoundException`. */
  describeCaCertificate(certificateId: string): Promise<IotCaCertificateDescription | undefined> {
    return this.call("DescribeCACertificate", async () => {
      try {
        const { certificateDescription: ca, registrationConfig } = await this.client.send(
          new DescribeCACertificateCommand({ certificateId }),
        );
        if (!ca?.certificateId || !ca.certificateArn) {
          throw new DependencyError("IoT DescribeCACertificate returned no certificateId or certificateArn");
        }
        return {
          certificateId: ca.certificateId,
          certificateArn: ca.certificateArn,
          status: ca.status ?? "INACTIVE",
          // CAs registered before IoT had modes (and moto) report none: they are DEFAULT mode.
          mode: ca.certificateMode === "SNI_ONLY" ? "SNI_ONLY" : "DEFAULT",
          allowAutoRegistration: ca.autoRegistrationStatus === "ENABLE",
          ...(registrationConfig?.templateBody
            ? {
                registrationConfig: {
                  templateBody: registrationConfig.templateBody,
                  roleArn: registrationConfig.roleArn,
                },
              }
            : {}),
        };
      } catch (error) {
        if (nameOf(error) === "ResourceNotFoundException") return undefined;
        throw error;
      }
    });
  }

  registerCertificate(request: IotDeviceRegistrationRequest): Promise<IotCertificateRef> {
    if (request.caCertificatePem === undefined) {
      return this.call("RegisterCertificateWithoutCA", async () =>
        reference(
          "RegisterCertificateWithoutCA",
          await this.client.send(
            new RegisterCertificateWithoutCACommand({ certificatePem: request.certificatePem, status: request.status }),
          ),
        ),
      );
    }
    const caCertificatePem = request.caCertificatePem;
    return this.call("RegisterCertificate", async () =>
      reference(
        "RegisterCertificate",
        await this.client.send(
          new RegisterCertificateCommand({
            certificatePem: request.certificatePem,
            caCertificatePem,
            status: request.status,
          }),
        ),
      ),
    );
  }

  updateCertificateStatus(certificateId: string, status: IotCertificateStatus): Promise<void> {
    return this.call("UpdateCertificate", async () => {
      await this.client.send(new UpdateCertificateCommand({ certificateId, newStatus: status }));
    });
  }

  /**
   * `CreateThing` answers the existing thing when one of that name has the
   * same (no) attributes, and `ResourceAlreadyExistsException` when its
   * attributes differ: then the thing is there, and its ARN is read back.
   */
  ensureThing(thingName: string): Promise<{ thingArn: string }> {
    return this.call("CreateThing", async () => {
      try {
        const { thingArn } = await this.client.send(new CreateThingCommand({ thingName }));
        if (thingArn) return { thingArn };
      } catch (error) {
        if (nameOf(error) !== "ResourceAlreadyExistsException") throw error;
      }
      const { thingArn } = await this.client.send(new DescribeThingCommand({ thingName }));
      if (!thingArn) throw new DependencyError(`IoT DescribeThing returned no thingArn for '${thingName}'`);
      return { thingArn };
    });
  }

  attachThingPrincipal(thingName: string, certificateArn: string): Promise<void> {
    return this.call("AttachThingPrincipal", async () => {
      await this.client.send(new AttachThingPrincipalCommand({ thingName, principal: certificateArn }));
    });
  }

  attachPolicy(policyName: string, certificateArn: string): Promise<void> {
    return this.call("AttachPolicy", async () => {
      await this.client.send(new AttachPolicyCommand({ policyName, target: certificateArn }));
    });
  }

  /** Runs one IoT call, turning what the SDK throws into the project's errors. */
  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw iotFailure(operation, error);
    }
  }
}

function reference(
  operation: string,
  response: { certificateId?: string | undefined; certificateArn?: string | undefined },
): IotCertificateRef {
  if (!response.certificateId || !response.certificateArn) {
    throw new DependencyError(`IoT ${operation} returned no certificateId or certificateArn`);
  }
  return { certificateId: response.certificateId, certificateArn: response.certificateArn };
}

/** Errors that mean "fix the deployment", not "retry": no credentials, refused credentials or permissions, no region. */
const CONFIGURATION_ERRORS = new Set([
  "CredentialsProviderError",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "ExpiredTokenException",
  "AccessDeniedException",
  "UnauthorizedException",
]);

/** The project's error for a failed IoT call: IoT's refusal, a configuration problem, or a passing failure. */
export function iotFailure(operation: string, error: unknown): Error {
  if (error instanceof IotServiceError || error instanceof DependencyError || error instanceof ConfigurationError) {
    return error;
  }
  const name = nameOf(error) ?? "unknown error";
  const message = error instanceof Error ? error.message : String(error);
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  const status = metadata?.httpStatusCode;
  if (CONFIGURATION_ERRORS.has(name)) {
    return new ConfigurationError(
      `IoT ${operation} failed: ${name}: ${message}; check the function's AWS credentials and its role's iot:${operation} permission`,
      { cause: error },
    );
  }
  if (error instanceof Error && /region is missing/i.test(error.message)) {
    return new ConfigurationError(`IoT ${operation} failed: no AWS region is configured; set AWS_REGION`, {
      cause: error,
    });
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === "ENOTFOUND") {
    return new ConfigurationError(
      `IoT ${operation} failed: the IoT endpoint's host name does not resolve; check AWS_REGION and the endpoint URL (AWS_ENDPOINT_URL, ENDPOINT_URL)`,
      { cause: error },
    );
  }
  const fault = (error as { $fault?: unknown } | undefined)?.$fault;
  const throttled = name === "ThrottlingException" || status === 429;
  if (fault === "client" && !throttled && status !== undefined && status < 500) {
    const existing = error as { resourceId?: string; resourceArn?: string };
    return new IotServiceError(name, message, undefined, {
      cause: error,
      resourceId: existing.resourceId,
      resourceArn: existing.resourceArn,
    });
  }
  const answer = status === undefined ? `no response (${typeof code === "string" ? code : name})` : `${status} ${name}`;
  return new DependencyError(`IoT ${operation} failed: ${answer}`, { cause: error });
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
