/**
 * A CA's registration with AWS IoT Core: shown under the CA in the hierarchy
 * (CA certificate id, mode, status, data endpoint, just-in-time provisioning)
 * when it has one, else a "Register with AWS IoT Core…" button that opens a
 * confirmation dialog (action-dialog.ts) with the mode and JITP.
 * `POST /certificates/{root|intermediate}/{name}/iot-registration`; what IoT
 * answered (and in DEFAULT mode the registration code and the verification
 * certificate) appears in the result panel. On the local store the API's
 * stand-in for IoT answers, so the flow works without an AWS account.
 */

import { buildActionDialog } from "./action-dialog.js";
import type { ApiProblem } from "./api.js";
import { clearResult } from "./create.js";
import { announce, append, byId, h } from "./dom.js";
import type { Field } from "./forms.js";
import { selectField } from "./forms.js";
import {
  IOT_CA_MODES,
  type IotCaMode,
  type IotCaRegistered,
  type IotCaRegistration,
  iotRegistrationBody,
  jitpLabel,
  type Status,
} from "./model.js";
import type { CertificateRef, PortalContext } from "./portal-context.js";

const KIND_WORDS = { root: "root CA", intermediate: "intermediate CA" } as const;

function caWords(kind: CertificateRef["kind"]): string {
  return kind === "root" || kind === "intermediate" ? KIND_WORDS[kind] : `${kind} certificate`;
}

/** The registration's facts as `<dt>`/`<dd>` pairs, for the hierarchy's line and the result panel. */
function registrationFacts(registration: IotCaRegistration): [string, string | Node][] {
  return [
    ["CA certificate id", h("code", {}, registration.ca_certificate_id)],
    ["Mode", registration.mode],
    ["Status", registration.status],
    ["Data endpoint", h("code", {}, registration.iot_data_endpoint)],
    ["JITP", jitpLabel(registration)],
  ];
}

/**
 * The CA's line about AWS IoT Core under its node: the registration, or
 * (no line) the button that registers it, beside the CA's other buttons (valid CAs only: IoT
 * refuses an expired one, and a revoked CA should sign for no device).
 */
export function iotRegistrationView(
  reference: CertificateRef,
  status: Status,
  registration: IotCaRegistration | undefined,
  context: PortalContext,
): HTMLElement {
  const label = h("span", { class: "kind-tag" }, "AWS IoT Core");
  if (registration) {
    return h(
      "div",
      {
        class: "iot-registration",
        "data-iot": "registered",
        "data-ca-certificate-id": registration.ca_certificate_id,
        role: "group",
        "aria-label": `AWS IoT Core registration of ${reference.subject}`,
      },
      label,
      h(
        "dl",
        { class: "iot-facts" },
        ...registrationFacts(registration).map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value))),
      ),
    );
  }
  // Not registered: no line of its own (a fleet's page keeps its CAs within reach), only the button beside the
  // CA's others; the words stay for screen readers.
  const line = h(
    "span",
    { class: "iot-registration", "data-iot": "unregistered" },
    h("span", { class: "visually-hidden" }, "AWS IoT Core: not registered"),
  );
  if (status === "valid") {
    const button = h(
      "button",
      { type: "button", class: "small", "aria-label": `Register ${reference.subject} with AWS IoT Core…` },
      "Register with AWS IoT Core…",
    );
    button.addEventListener("click", () => context.registerWithIot(reference));
    append(line, " ", button);
  }
  return line;
}

/** The JITP checkbox as a form field, so a problem naming `provisioning` shows under it. */
function jitpField(formId: string): Field {
  const id = `${formId}-provisioning`;
  const control = h("input", { type: "checkbox", id, name: "provisioning", "aria-describedby": `${id}-hint` });
  const wrapper = h(
    "div",
    { class: "field" },
    // The box inside its label: one line, and the whole text toggles it.
    h("label", { class: "check" }, control, " Just-in-time provisioning (JITP)"),
    h(
      "p",
      { class: "hint", id: `${id}-hint` },
      "With the default template: on a device's first connection, IoT creates a thing named after its certificate's CN and a policy that lets it connect only as that thing.",
    ),
    h("p", { class: "field-error", id: `${id}-error`, hidden: true }),
  );
  return { name: "provisioning", encoding: "text", control, sent: false, wrapper };
}

/** The registration dialog; returns the function that opens it for a CA. */
export function buildIotRegistrationDialog(context: PortalContext): (ca: CertificateRef) => void {
  const formId = "iot-register";
  const mode = selectField(formId, "mode", "Mode", IOT_CA_MODES, {
    value: "SNI_ONLY",
    hint: "SNI_ONLY needs no proof of the key (AWS's recommendation). DEFAULT: this service signs a verification certificate for the account's registration code with the CA's key.",
  });
  const jitp = jitpField(formId);
  return buildActionDialog<CertificateRef, IotCaRegistered>({
    name: formId,
    heading: "Register with AWS IoT Core",
    confirmLabel: "Register CA",
    body: [
      h("div", { class: "dialog-fields" }, mode.wrapper, jitp.wrapper),
      h(
        "p",
        { class: "hint" },
        "The CA is registered ACTIVE, once: the registration is kept with the CA and cannot be made again here.",
      ),
    ],
    fields: [mode, jitp],
    done: "registered",
    // The result panel takes the focus.
    refocusAfterSuccess: false,
    prepare(ca) {
      mode.control.value = "SNI_ONLY";
      (jitp.control as HTMLInputElement).checked = false;
      return {
        description: [
          `Register the ${caWords(ca.kind)} `,
          h("strong", {}, ca.subject),
          " with AWS IoT Core, so devices whose certificates it signed can connect?",
        ],
        focus: mode.control,
      };
    },
    submit: (ca) =>
      context.api.post<IotCaRegistered>(
        `/certificates/${ca.kind}/${encodeURIComponent(ca.id)}/iot-registration`,
        iotRegistrationBody({
          mode: mode.control.value as IotCaMode,
          jitp: (jitp.control as HTMLInputElement).checked,
        }),
      ),
    async succeeded(ca, registered) {
      const code = registered.registration_code ? ` Registration code ${registered.registration_code}.` : "";
      announce(
        `Registered ${ca.subject} with AWS IoT Core: CA certificate ${registered.ca_certificate_id}, ${registered.status}.${code}`,
        "success",
      );
      showIotRegistration(ca, registered);
      await context.refresh();
    },
    failed(_ca, problem: ApiProblem) {
      // Registered meanwhile (another tab, the CLI): show that registration behind the dialog.
      if (problem.status === 409) void context.refresh();
    },
  });
}

/** Shows a registration IoT answered in the result panel: its facts and, in DEFAULT mode, the proof IoT checked. */
export function showIotRegistration(ca: CertificateRef, registered: IotCaRegistered): void {
  clearResult();
  const panel = byId("result");
  const facts: [string, string | Node][] = [
    ...registrationFacts(registered),
    ["CA certificate ARN", h("code", {}, registered.ca_certificate_arn)],
    ["Auto-registration", registered.allow_auto_registration ? "on" : "off"],
  ];
  if (registered.registration_code) {
    facts.push(["Registration code", h("code", { "data-registration-code": "" }, registered.registration_code)]);
  }
  const closeButton = h("button", { type: "button" }, "Close");
  closeButton.addEventListener("click", () => {
    clearResult();
    announce("Result closed.");
    byId("hierarchy-heading").focus();
  });
  append(
    panel,
    h(
      "h2",
      { id: "result-heading" },
      `Registered with AWS IoT Core: ${caWords(ca.kind)} `,
      h("span", { class: "subject" }, ca.subject),
    ),
    h("p", {}, registered.message),
    h("dl", { class: "facts" }, ...facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    registered.verification_certificate
      ? h(
          "details",
          { class: "key-view" },
          h("summary", {}, "Show the verification certificate"),
          h(
            "label",
            { for: "result-verification-certificate", class: "visually-hidden" },
            `Verification certificate of ${ca.subject} (PEM)`,
          ),
          h(
            "textarea",
            { id: "result-verification-certificate", readonly: true, rows: 8, spellcheck: "false" },
            registered.verification_certificate,
          ),
        )
      : null,
    h("div", { class: "form-actions" }, closeButton),
  );
  panel.hidden = false;
  panel.scrollIntoView({ block: "start" });
  panel.focus();
}
