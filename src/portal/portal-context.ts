/** What the parts of the page share: the API client and a few page-wide actions. */
import type { ApiClient } from "./api.js";
import type { DownloadPart, Kind } from "./model.js";

/** A certificate a person can act on from the hierarchy or the search results. */
export interface CertificateRef {
  kind: Kind;
  /** Name for CAs, serial number for leaves: how the API addresses it. */
  id: string;
  subject: string;
  serialNumber: string;
}

export interface PortalContext {
  api: ApiClient;
  /** Reloads the hierarchy and the current search page (after a create or a revoke). */
  refresh(): Promise<void>;
  /** Opens the revoke dialog for a certificate. */
  revoke(certificate: CertificateRef): void;
  /** Opens the renew dialog for a server or device certificate. */
  renew(certificate: CertificateRef): void;
  /** Opens the "Register with AWS IoT Core" dialog for a root or intermediate CA. */
  registerWithIot(ca: CertificateRef): void;
  /** Fetches a stored certificate and saves one part of it (certificate, chain or both). */
  download(certificate: CertificateRef, part: DownloadPart): Promise<void>;
  /** Runs a search of one kind and issuer (the hierarchy's "show all"). */
  search(kind: Kind, issuer: string): void;
}
