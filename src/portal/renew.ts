/**
 * Renewing: a modal dialog (like revoking's) that names the certificate,
 * offers to revoke the old one (reason `superseded`) and needs an explicit
 * confirmation. `POST /certificates/{server|device}/{serial}/renew`; the new
 * certificate, and its new private key, appear in the result panel as after
 * a create (the only time the key is shown).
 */
import { ApiProblem } from "./api.js";
import { showResult } from "./create.js";
import { announce, h } from "./dom.js";
import { clearErrors, formErrorElement, showProblem } from "./forms.js";
import type { CreatedCertificate } from "./model.js";
import type { CertificateRef, PortalContext } from "./portal-context.js";

interface RenewedResponse extends CreatedCertificate {
  previous: { serial_number: string; status: string; revocation_error?: string };
}

export function buildRenewDialog(context: PortalContext): (certificate: CertificateRef) => void {
  const revokePrevious = h("input", { type: "checkbox", id: "renew-revoke-previous", name: "revoke_previous" });
  const description = h("p", { id: "renew-description" });
  const confirm = h("button", { type: "submit" }, "Renew certificate");
  const cancel = h("button", { type: "button" }, "Cancel");
  const form = h(
    "form",
    { id: "renew-form", novalidate: true },
    h("h2", { id: "renew-heading" }, "Renew a certificate"),
    description,
    h(
      "p",
      {},
      "The new certificate keeps the subject, names, issuer and key algorithm, with a new key and the same lifetime. A server certificate in ACM is replaced on the same certificate ARN.",
    ),
    // The box inside its label: one line, and the whole text toggles it.
    h("p", {}, h("label", {}, revokePrevious, " Revoke the old certificate (reason: superseded)")),
    formErrorElement(),
    h("div", { class: "form-actions" }, confirm, cancel),
  );
  const dialog = h(
    "dialog",
    { id: "renew-dialog", "aria-labelledby": "renew-heading", "aria-describedby": "renew-description" },
    form,
  );
  document.body.append(dialog);

  let target: CertificateRef | undefined;
  let opener: HTMLElement | null = null;

  cancel.addEventListener("click", () => dialog.close("cancel"));
  dialog.addEventListener("close", () => {
    if (dialog.returnValue !== "renewed" && target) announce(`Not renewed: ${target.subject}.`);
    target = undefined;
    if (dialog.returnValue !== "renewed" && opener?.isConnected) opener.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const current = target;
    if (!current || (current.kind !== "server" && current.kind !== "device")) return;
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form);
    form.setAttribute("aria-busy", "true");
    confirm.disabled = true;
    try {
      const renewed = await context.api.post<RenewedResponse>(
        `/certificates/${current.kind}/${encodeURIComponent(current.id)}/renew`,
        revokePrevious.checked ? { revoke_previous: true } : {},
      );
      dialog.close("renewed");
      const previous =
        renewed.previous.status === "revoked"
          ? ` The old certificate (serial ${renewed.previous.serial_number}) was revoked.`
          : renewed.previous.revocation_error
            ? ` ${renewed.previous.revocation_error}`
            : "";
      announce(`Renewed ${current.subject}: new serial ${renewed.serial_number}.${previous}`, "success");
      showResult(current.kind, renewed, "Renewed");
      await context.refresh();
    } catch (error) {
      const problem = error instanceof ApiProblem ? error : new ApiProblem(0, "Error", String(error));
      showProblem(form, [], problem);
      announce(`Not renewed: ${problem.detail}`, "error");
    } finally {
      form.removeAttribute("aria-busy");
      confirm.disabled = false;
    }
  });

  return (certificate) => {
    target = certificate;
    opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    clearErrors(form);
    revokePrevious.checked = false;
    description.replaceChildren(
      `Renew the ${certificate.kind} certificate `,
      h("strong", {}, certificate.subject),
      " (serial ",
      h("code", {}, certificate.serialNumber),
      ")?",
    );
    dialog.returnValue = "";
    dialog.showModal();
    confirm.focus();
  };
}
