/**
 * Revoking: a modal dialog (native <dialog>: focus stays inside, Escape
 * cancels) that names the certificate, asks for an RFC 5280 reason and
 * needs an explicit confirmation. `POST /certificates/{kind}/{id}/revoke`.
 */
import { ApiProblem } from "./api.js";
import { announce, h } from "./dom.js";
import { clearErrors, formErrorElement, selectField, showProblem } from "./forms.js";
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
  const description = h("p", { id: "revoke-description" });
  const confirm = h("button", { type: "submit", class: "danger" }, "Revoke certificate");
  const cancel = h("button", { type: "button" }, "Cancel");
  const form = h(
    "form",
    { id: "revoke-form", novalidate: true },
    h("h2", { id: "revoke-heading" }, "Revoke a certificate"),
    description,
    h(
      "p",
      { class: "key-warning" },
      h("strong", {}, "This cannot be undone. "),
      "The issuer's CRL is re-signed at once; clients that check it will refuse the certificate.",
    ),
    reason.wrapper,
    formErrorElement(),
    h("div", { class: "form-actions" }, confirm, cancel),
  );
  const dialog = h(
    "dialog",
    { id: "revoke-dialog", "aria-labelledby": "revoke-heading", "aria-describedby": "revoke-description" },
    form,
  );
  document.body.append(dialog);

  let target: CertificateRef | undefined;
  let opener: HTMLElement | null = null;

  cancel.addEventListener("click", () => dialog.close("cancel"));
  dialog.addEventListener("close", () => {
    if (dialog.returnValue !== "revoked" && target) announce(`Not revoked: ${target.subject}.`);
    target = undefined;
    if (opener?.isConnected) opener.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!target || form.getAttribute("aria-busy") === "true") return;
    const current = target;
    clearErrors(form);
    form.setAttribute("aria-busy", "true");
    confirm.disabled = true;
    try {
      const revoked = await context.api.post<RevokedResponse>(
        `/certificates/${current.kind}/${encodeURIComponent(current.id)}/revoke`,
        { reason: reason.control.value },
      );
      dialog.close("revoked");
      announce(`Revoked ${current.subject} (serial ${current.serialNumber}). ${revoked.message}`, "success");
      await context.refresh();
      // The button that opened the dialog was re-rendered: continue from the list's heading.
      if (!opener?.isConnected) document.getElementById("hierarchy-heading")?.focus();
    } catch (error) {
      const problem = error instanceof ApiProblem ? error : new ApiProblem(0, "Error", String(error));
      showProblem(form, [reason], problem);
      announce(`Not revoked: ${problem.detail}`, "error");
    } finally {
      form.removeAttribute("aria-busy");
      confirm.disabled = false;
    }
  });

  return (certificate) => {
    target = certificate;
    opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    clearErrors(form);
    reason.control.value = "unspecified";
    description.replaceChildren(
      `Revoke the ${KIND_WORDS[certificate.kind]} `,
      h("strong", {}, certificate.subject),
      " (serial ",
      h("code", {}, certificate.serialNumber),
      ")?",
    );
    dialog.returnValue = "";
    dialog.showModal();
    reason.control.focus();
  };
}
