/**
 * A small PKI on an in-memory store, EC-P256 throughout (fast): a root
 * `default`, intermediates `servers` and `devices`, and a recording importer.
 */
import { CertificateRepository } from "../../../../src/core/certificate-repository.js";
import { createIntermediateCertificateAuthority } from "../../../../src/core/issuance/create-intermediate-certificate-authority.js";
import { createRootCertificateAuthority } from "../../../../src/core/issuance/create-root-certificate-authority.js";
import type { IssuedCertificate } from "../../../../src/core/issuance/issued-certificate.js";
import type { CertificateImporter, CertificateImportRequest } from "../../../../src/core/ports.js";
import { MemoryObjectStore } from "../../../support/storage/memory-object-store.js";

export interface MemoryHierarchy {
  store: MemoryObjectStore;
  repository: CertificateRepository;
  root: IssuedCertificate;
  servers: IssuedCertificate;
  devices: IssuedCertificate;
}

export async function createMemoryHierarchy(
  options: { rootValidityDays?: number; intermediateValidityDays?: number } = {},
): Promise<MemoryHierarchy> {
  const store = new MemoryObjectStore();
  const repository = new CertificateRepository(store);
  const root = await createRootCertificateAuthority(
    {
      name: "default",
      country: "SE",
      organization: "Acme IoT",
      keyAlgorithm: "EC-P256",
      validityDays: options.rootValidityDays,
    },
    repository,
  );
  const [servers, devices] = await Promise.all(
    ["servers", "devices"].map((name) =>
      createIntermediateCertificateAuthority(
        {
          name,
          issuer: "default",
          organization: "Acme IoT",
          keyAlgorithm: "EC-P256",
          validityDays: options.intermediateValidityDays,
        },
        repository,
      ),
    ),
  );
  store.clearOperations();
  return { store, repository, root, servers: servers as IssuedCertificate, devices: devices as IssuedCertificate };
}

/** A fresh store holding a copy of `hierarchy`'s objects, with its own repository. */
export function copyOf(hierarchy: MemoryHierarchy): MemoryHierarchy {
  const store = hierarchy.store.clone();
  return { ...hierarchy, store, repository: new CertificateRepository(store) };
}

/** An importer that records each request (and what the store held at that moment); a re-import keeps its ARN. */
export class RecordingImporter implements CertificateImporter {
  readonly requests: { request: CertificateImportRequest; storeKeys: string[] }[] = [];
  failWith: Error | undefined;

  constructor(private readonly store?: MemoryObjectStore) {}

  async importCertificate(request: CertificateImportRequest): Promise<{ certificateArn: string }> {
    this.requests.push({ request, storeKeys: this.store?.keys() ?? [] });
    if (this.failWith) throw this.failWith;
    // As ACM does: a re-import keeps the ARN it was given.
    return {
      certificateArn:
        request.certificateArn ?? `arn:aws:acm:us-east-1:123456789012:certificate/test-${this.requests.length}`,
    };
  }
}
