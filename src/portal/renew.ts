/**
 * Renewing: a confirmation dialog (action-dialog.ts, like revoking's) that
 * names the certificate, offers to revoke the old one (reason `superseded`)
 * and needs an explicit confirmation. `POST /certificates/{server|device}/{serial}/renew`;
 * the new certificate, and its new private key, appear in the result panel
 * as after a create (the only time the key is shown).
 */
import { buildActionDialog } from "./action-dialog.js";
import { showResult } from "./create.js";
import { announce, h } from "./dom.js";
import { type CreatedCertificate, deviceIotSummary } from "./model.js";
import type { CertificateRef, PortalContext } from "./portal-context.js";

interface RenewedResponse extends CreatedCertificate {
  previous: { serial_number: string; status: string; revocation_error?: string };
}

export function buildRenewDialog(context: PortalContext): (certificate: CertificateRef) => void {
  const revokePrevious = h("input", { type: "checkbox", id: "renew-revoke-previous", name: "revoke_previous" });
  return buildActionDialog<CertificateRef, RenewedResponse>({
    name: "renew",
    heading: "Renew a certificate",
    confirmLabel: "Renew certificate",
    body: [
      h(
        "p",
        {},
        "The new certificate keeps the subject, names, issuer and key algorithm, with a new key and the same lifetime. A server certificate in ACM is replaced on the same certificate ARN.",
      ),
      // The box inside its label: one line, and the whole text toggles it.
      h("p", {}, h("label", {}, revokePrevious, " Revoke the old certificate (reason: superseded)")),
    ],
    done: "renewed",
    // The result panel takes the focus.
    refocusAfterSuccess: false,
    prepare(certificate) {
      revokePrevious.checked = false;
      return {
        description: [
          `Renew the ${certificate.kind} certificate `,
          h("strong", {}, certificate.subject),
          " (serial ",
          h("code", {}, certificate.serialNumber),
          ")?",
        ],
      };
    },
    async submit(certificate) {
      if (certificate.kind !== "server" && certificate.kind !== "device") {
        throw new Error(`only server and device certificates are renewed, not a ${certificate.kind} CA`);
      }
      return context.api.post<RenewedResponse>(
        `/certificates/${certificate.kind}/${encodeURIComponent(certificate.id)}/renew`,
        revokePrevious.checked ? { revoke_previous: true } : {},
      );
    },
    async succeeded(certificate, renewed) {
      const previous =
        renewed.previous.status === "revoked"
          ? ` The old certificate (serial ${renewed.previous.serial_number}) was revoked.`
          : renewed.previous.revocation_error
            ? ` ${renewed.previous.revocation_error}`
            : "";
      const iot = renewed.iot ? ` AWS IoT Core: ${deviceIotSummary(renewed.iot)}.` : "";
      announce(`Renewed ${certificate.subject}: new serial ${renewed.serial_number}.${iot}${previous}`, "success");
      showResult(certificate.kind, renewed, "Renewed");
      await context.refresh();
    },
  });
}
