/**
 * Revoking: a confirmation dialog (action-dialog.ts) that names the
 * certificate, asks for an RFC 5280 reason and needs an explicit
 * confirmation. `POST /certificates/{kind}/{id}/revoke`.
 */
import { buildActionDialog } from "./action-dialog.js";
import { announce, h } from "./dom.js";
import { selectField } from "./forms.js";
import { REVOCATION_REASONS } from "./model.js";
import type { CertificateRef, PortalContext } from "./portal-context.js";

const KIND_WORDS = {
  root: "root CA",
  intermediate: "intermediate CA",
  server: "server certificate",
  device: "device certificate",
} as const;

interface RevokedResponse {
  message: string;
  revoked_at: string;
}

export function buildRevokeDialog(context: PortalContext): (certificate: CertificateRef) => void {
  const reason = selectField("revoke", "reason", "Reason", REVOCATION_REASONS, { value: "unspecified" });
  return buildActionDialog<CertificateRef, RevokedResponse>({
    name: "revoke",
    heading: "Revoke a certificate",
    confirmLabel: "Revoke certificate",
    danger: true,
    body: [
      h(
        "p",
        { class: "key-warning" },
        h("strong", {}, "This cannot be undone. "),
        "The issuer's CRL is re-signed at once; clients that check it will refuse the certificate.",
      ),
      reason.wrapper,
    ],
    fields: [reason],
    done: "revoked",
    prepare(certificate) {
      reason.control.value = "unspecified";
      return {
        description: [
          `Revoke the ${KIND_WORDS[certificate.kind]} `,
          h("strong", {}, certificate.subject),
          " (serial ",
          h("code", {}, certificate.serialNumber),
          ")?",
        ],
        focus: reason.control,
      };
    },
    submit: (certificate) =>
      context.api.post<RevokedResponse>(
        `/certificates/${certificate.kind}/${encodeURIComponent(certificate.id)}/revoke`,
        { reason: reason.control.value },
      ),
    async succeeded(certificate, revoked) {
      announce(`Revoked ${certificate.subject} (serial ${certificate.serialNumber}). ${revoked.message}`, "success");
      await context.refresh();
    },
  });
}
