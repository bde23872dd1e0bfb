/**
 * Builds a PKI through the core on a temporary local store: a root, a
 * `servers` and a `devices` intermediate, and helpers to issue leaves.
 */
import { FileObjectStore } from "../../src/adapters/file-object-store.js";
import { LocalCertificateImporter } from "../../src/adapters/local-certificate-importer.js";
import { CertificateRepository } from "../../src/core/certificate-repository.js";
import { createIntermediateCertificateAuthority } from "../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../src/core/issuance/create-root-certificate-authority.js";
import { type IssueDeviceRequest, issueDeviceCertificate } from "../../src/core/issuance/issue-device-certificate.js";
import { type IssueServerRequest, issueServerCertificate } from "../../src/core/issuance/issue-server-certificate.js";
import type { IssuedCertificate } from "../../src/core/issuance/issued-certificate.js";
import type { CertificateAuthorityKeyAlgorithm } from "../../src/core/key-algorithms.js";
import { temporaryDirectory } from "./temporary-directory.js";

export interface TestHierarchy {
  repository: CertificateRepository;
  root: IssuedCertificate;
  servers: IssuedCertificate;
  devices: IssuedCertificate;
  issueServer(request: Partial<IssueServerRequest>): Promise<IssuedCertificate>;
  issueDevice(request?: Partial<IssueDeviceRequest>): Promise<IssuedCertificate>;
  remove(): void;
}

export async function createTestHierarchy(
  options: {
    rootKeyAlgorithm?: CertificateAuthorityKeyAlgorithm;
    intermediateKeyAlgorithm?: CertificateAuthorityKeyAlgorithm;
    rootName?: string;
  } = {},
): Promise<TestHierarchy> {
  const dir = temporaryDirectory("iot-certs-pki-");
  const store = new FileObjectStore(dir.path);
  const repository = new CertificateRepository(store);
  const importer = new LocalCertificateImporter(store);
  const rootName = options.rootName ?? "default";
  const root = await createRootCertificateAuthority(
    { name: rootName, organization: "Test PKI", country: "SE", keyAlgorithm: options.rootKeyAlgorithm },
    repository,
  );
  const servers = await createIntermediateCertificateAuthority(
    { name: "servers", issuer: rootName, keyAlgorithm: options.intermediateKeyAlgorithm },
    repository,
  );
  const devices = await createIntermediateCertificateAuthority(
    { name: "devices", issuer: rootName, keyAlgorithm: options.intermediateKeyAlgorithm },
    repository,
  );
  return {
    repository,
    root,
    servers,
    devices,
    issueServer: (request) =>
      issueServerCertificate({ fqdn: "localhost", issuer: "servers", ...request }, repository, importer),
    issueDevice: (request = {}) => issueDeviceCertificate({ issuer: "devices", ...request }, repository),
    remove: dir.remove,
  };
}
