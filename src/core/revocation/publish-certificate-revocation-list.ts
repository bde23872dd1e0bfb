import type { CaKeyCustodies } from "../ca-key-custody.js";
import type { CertificateRepository, IssuerRef } from "../certificate-repository.js";
import { buildCertificateRevocationList, CRL_VALIDITY_MS } from "../certificate-revocation-list.js";
import { announce, crlPublishedEvent } from "../events/certificate-events.js";
import type { IotContext } from "../iot/register-device-with-iot.js";
import { loadSigningAuthority } from "../issuance/signing-authority.js";
import type { EventPublisher } from "../ports.js";
import { X509Crl } from "../x509.js";
import type { RevocationReason } from "./revocation-reasons.js";

/** What publishing a CRL needs besides the repository. */
export interface RevocationContext {
  clock?: (() => Date) | undefined;
  crypto?: Crypto | undefined;
  /** Where `CRL Published` (and `Certificate Revoked`) events go; none by default. */
  events?: EventPublisher | undefined;
  /** How the CA's key signs; the software custody on the repository by default. */
  caKeys?: CaKeyCustodies | undefined;
  /** AWS IoT Core: a revoked device certificate registered there is set REVOKED there too; none by default. */
  iot?: IotContext | undefined;
}

/**
 * Signs and stores a new CRL of `issuer` listing all its revocations. The CRL
 * number is the signing time in milliseconds, so numbers only grow; a
 * concurrent rebuild with the same number simply takes the next one.
 */
export async function publishCertificateRevocationList(
  issuer: IssuerRef,
  repository: CertificateRepository,
  context: RevocationContext = {},
): Promise<string> {
  const { clock = () => new Date(), crypto = globalThis.crypto } = context;
  const authority = await loadSigningAuthority(repository, issuer.kind, issuer.name, {
    crypto,
    caKeys: context.caKeys,
  });
  const revocations = await repository.listRevocations(issuer);
  const now = clock();
  for (let attempt = 0; ; attempt += 1) {
    const crlNumber = BigInt(now.getTime() + attempt);
    const pem = await buildCertificateRevocationList({
      issuer: authority,
      crlNumber,
      now,
      entries: revocations.map((revocation) => ({
        serialNumber: revocation.serial_number,
        revokedAt: new Date(revocation.revoked_at),
        reason: revocation.reason as RevocationReason,
      })),
    });
    if (await repository.storeCrl(issuer, crlNumber, pem)) {
      const crl = new X509Crl(pem);
      await announce(context.events, [
        crlPublishedEvent({
          issuerKind: issuer.kind,
          issuer: issuer.name,
          crlNumber,
          thisUpdate: crl.thisUpdate,
          nextUpdate: crl.nextUpdate ?? crl.thisUpdate,
          revokedCount: revocations.length,
        }),
      ]);
      return pem;
    }
    if (attempt >= 10) throw new Error("could not store a new CRL number after 10 attempts");
  }
}

/**
 * The CRL to serve for `issuer`: the newest stored one, or a freshly signed
 * one when none exists yet or the newest is past half its validity.
 */
export async function currentCertificateRevocationList(
  issuer: IssuerRef,
  repository: CertificateRepository,
  context: RevocationContext = {},
): Promise<string> {
  const now = (context.clock ?? (() => new Date()))();
  await repository.getAuthority(issuer.kind, issuer.name, "name");
  const latest = await repository.latestCrl(issuer);
  if (latest) {
    const nextUpdate = new X509Crl(latest).nextUpdate;
    if (nextUpdate && nextUpdate.getTime() - now.getTime() > CRL_VALIDITY_MS / 2) return latest;
  }
  return publishCertificateRevocationList(issuer, repository, context);
}
