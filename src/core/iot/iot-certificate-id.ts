/**
 * How AWS IoT Core names a certificate: its id is the SHA-256 of the
 * certificate's DER, in lowercase hex (what `RegisterCertificate` answers as
 * `certificateId` and what `UpdateCertificate` takes). Knowing it lets the
 * service find a certificate IoT already holds without asking IoT.
 */
import { createHash } from "node:crypto";
import { pemDecode } from "../pem.js";

/** IoT's certificate id of `pem` (the first CERTIFICATE block): SHA-256 of its DER, lowercase hex. */
export function iotCertificateId(pem: string): string {
  return createHash("sha256").update(pemDecode(pem, "CERTIFICATE")).digest("hex");
}

/** The first certificate of a PEM chain, exactly as written there (its issuer's PEM, for a leaf's stored chain). */
export function firstCertificatePem(chainPem: string): string {
  const match = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/.exec(chainPem);
  if (!match) throw new Error("the chain holds no PEM certificate");
  return match[0];
}
