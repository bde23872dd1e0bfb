import type { SubjectAltName } from "../certificate-profiles.js";
import type { CertificateRepository } from "../certificate-repository.js";
import { DependencyError, InvalidRequestError } from "../errors.js";
import { announce, issuedEvent } from "../events/certificate-events.js";
import { ACM_IMPORTABLE_KEY_ALGORITHMS } from "../key-algorithms.js";
import type { CertificateImporter } from "../ports.js";
import type { IssuanceContext, IssuedCertificate, LeafRequest } from "./issued-certificate.js";
import { subjectKeyFromSigningRequest } from "./leaf-subject-key.js";
import { signWithAuthority } from "./sign-with-authority.js";

export interface IssueServerRequest extends LeafRequest {
  /** The server's host name: the subject CN and the first SAN. Required. */
  fqdn: string;
  /** Extra SAN entries (DNS names, wildcards, IP addresses). */
  subjectAltNames?: SubjectAltName[] | undefined;
  /** Renewal only: import onto this ACM certificate ARN (the renewed certificate's) instead of a new one. */
  acmCertificateArn?: string | undefined;
}

/** Default lifetime of a server certificate: 1 year. */
export const DEFAULT_SERVER_VALIDITY_DAYS = 365;

/**
 * Issues a server certificate from the intermediate `issuer`, stores it and,
 * when the service generated its key, imports it (with key and chain) into
 * ACM. For a CSR there is no key to import: the record says so. The
 * certificate is committed only after the import succeeded, so a failed import
 * leaves nothing that looks issued (its PEM files remain in their serial
 * folder, unlisted).
 */
export async function issueServerCertificate(
  request: IssueServerRequest,
  repository: CertificateRepository,
  importer: CertificateImporter,
  context: IssuanceContext = {},
): Promise<IssuedCertificate> {
  if (
    request.csr === undefined &&
    request.keyAlgorithm &&
    !(ACM_IMPORTABLE_KEY_ALGORITHMS as readonly string[]).includes(request.keyAlgorithm)
  ) {
    throw new InvalidRequestError(
      `ACM can import only RSA and EC keys: key_algorithm must be one of ${ACM_IMPORTABLE_KEY_ALGORITHMS.join(", ")}`,
      "key_algorithm",
    );
  }
  const extraNames = (request.subjectAltNames ?? []).filter(
    (san) => !(san.type === "dns" && san.value === request.fqdn),
  );
  const subjectAltNames: SubjectAltName[] = [{ type: "dns", value: request.fqdn }, ...extraNames];
  const subjectKey =
    request.existingKey ??
    (await subjectKeyFromSigningRequest(
      request,
      () => ({ commonName: request.fqdn, subjectAltNames }),
      context.crypto,
    ));
  const signed = await signWithAuthority(
    {
      kind: "server",
      subjectId: request.fqdn,
      subject: {
        commonName: request.fqdn,
        country: request.country,
        state: request.state,
        organization: request.organization,
      },
      request,
      defaultValidityDays: DEFAULT_SERVER_VALIDITY_DAYS,
      issuerKind: "intermediate",
      subjectAltNames,
      subjectKey,
    },
    repository,
    context,
  );
  const privateKeyPem = signed.privateKeyPem ?? request.existingKey?.privateKeyPem;
  const record = {
    ...signed.record,
    ...(request.csr !== undefined ? { from_csr: true } : {}),
    ...(request.renews ? { renews: request.renews } : {}),
  };
  await repository.writeLeafMaterial(record, {
    certificatePem: record.certificate,
    certificateChainPem: record.certificate_chain,
    privateKeyPem,
  });
  if (privateKeyPem === undefined) {
    await repository.commitLeaf(record);
    await announce(context.events, [issuedEvent(record, subjectAltNames)]);
    return { record };
  }
  let certificateArn: string;
  try {
    ({ certificateArn } = await importer.importCertificate({
      certificatePem: record.certificate,
      privateKeyPem,
      certificateChainPem: record.certificate_chain,
      tags: { "iot-certificates:serial-number": record.serial_number, "iot-certificates:fqdn": request.fqdn },
      ...(request.acmCertificateArn ? { certificateArn: request.acmCertificateArn } : {}),
    }));
  } catch (error) {
    throw new DependencyError("importing the certificate into ACM failed; nothing was issued, retry the request", {
      cause: error,
    });
  }
  const committed = { ...record, acm_certificate_arn: certificateArn };
  await repository.commitLeaf(committed);
  await announce(context.events, [issuedEvent(committed, subjectAltNames)]);
  return { record: committed, privateKeyPem };
}
