/**
 * Form fields with a label, an optional hint and a place for the API's error
 * message right under the control, and the code that shows a problem's
 * `detail` next to the control its `field` names.
 */
import type { ApiProblem } from "./api.js";
import { h } from "./dom.js";
import { controlNameForField, type FieldEncoding, requestBody } from "./model.js";

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export interface Field {
  /** The API field (or a local name for controls that are not sent). */
  name: string;
  encoding: FieldEncoding;
  control: Control;
  /** Whether the value goes into the request body. */
  sent: boolean;
  wrapper: HTMLElement;
}

export interface FieldOptions {
  hint?: string;
  required?: boolean;
  placeholder?: string;
  /** Spans both columns of the form grid. */
  wide?: boolean;
  value?: string;
  list?: string;
  type?: "text" | "password" | "date";
  inputMode?: "text" | "numeric";
  autocomplete?: string;
  encoding?: FieldEncoding;
  rows?: number;
  /** Not part of the request body. */
  local?: boolean;
  spellcheck?: boolean;
}

export interface SelectOption {
  value: string;
  label: string;
}

/** A `<div class="field">` with label, hint, control and error slot. */
function fieldWrapper(
  formId: string,
  name: string,
  label: string,
  options: FieldOptions,
  makeControl: (id: string, describedBy: string) => Control,
): Field {
  const id = `${formId}-${name.replaceAll("_", "-")}`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const control = makeControl(id, options.hint ? hintId : "");
  control.name = name;
  if (options.required) control.setAttribute("aria-required", "true");
  const wrapper = h(
    "div",
    { class: options.wide ? "field field-wide" : "field" },
    h("label", { for: id }, label, options.required ? h("span", { class: "required" }, " (required)") : null),
    control,
    options.hint ? h("p", { class: "hint", id: hintId }, options.hint) : null,
    h("p", { class: "field-error", id: errorId, hidden: true }),
  );
  return { name, encoding: options.encoding ?? "text", control, sent: !options.local, wrapper };
}

export function textField(formId: string, name: string, label: string, options: FieldOptions = {}): Field {
  return fieldWrapper(formId, name, label, options, (id, describedBy) =>
    h("input", {
      id,
      type: options.type ?? "text",
      placeholder: options.placeholder,
      value: options.value,
      list: options.list,
      inputmode: options.inputMode,
      autocomplete: options.autocomplete ?? "off",
      spellcheck: options.spellcheck === undefined ? undefined : String(options.spellcheck),
      "aria-describedby": describedBy || undefined,
    }),
  );
}

export function textAreaField(formId: string, name: string, label: string, options: FieldOptions = {}): Field {
  return fieldWrapper(formId, name, label, { wide: true, ...options }, (id, describedBy) =>
    h("textarea", {
      id,
      rows: options.rows ?? 3,
      placeholder: options.placeholder,
      spellcheck: "false",
      autocomplete: "off",
      "aria-describedby": describedBy || undefined,
    }),
  );
}

export function selectField(
  formId: string,
  name: string,
  label: string,
  choices: readonly SelectOption[],
  options: FieldOptions = {},
): Field {
  return fieldWrapper(formId, name, label, options, (id, describedBy) => {
    const select = h("select", { id, "aria-describedby": describedBy || undefined });
    for (const choice of choices) {
      select.append(h("option", { value: choice.value, selected: choice.value === options.value }, choice.label));
    }
    return select;
  });
}

/** Whether a control is in use: not disabled by itself or by a fieldset, not in a hidden group. */
function isActive(control: Control): boolean {
  return !control.matches(":disabled") && control.closest("[hidden]") === null;
}

/** The JSON body of a form's active, sent fields. */
export function bodyOf(fields: readonly Field[]): Record<string, unknown> {
  return requestBody(
    fields
      .filter((field) => field.sent && isActive(field.control))
      .map((field) => ({ name: field.name, value: field.control.value, encoding: field.encoding })),
  );
}

/** Removes every error message of a form. */
export function clearErrors(form: HTMLFormElement): void {
  for (const error of Array.from(form.querySelectorAll<HTMLElement>(".field-error, .form-error"))) {
    error.textContent = "";
    error.hidden = true;
  }
  for (const control of Array.from(form.querySelectorAll("[aria-invalid]"))) {
    control.removeAttribute("aria-invalid");
    const describedBy = (control.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .filter((id: string) => id !== "" && !id.endsWith("-error"));
    if (describedBy.length > 0) control.setAttribute("aria-describedby", describedBy.join(" "));
    else control.removeAttribute("aria-describedby");
  }
}

/**
 * Shows a problem: its `detail` under the control its `field` names (marked
 * invalid, described by the message and focused), or in the form's alert
 * when no control matches. Returns the control it marked, if any.
 */
export function showProblem(form: HTMLFormElement, fields: readonly Field[], problem: ApiProblem): Control | undefined {
  const activeNames = fields.filter((field) => isActive(field.control)).map((field) => field.name);
  const name = controlNameForField(problem.field, activeNames);
  const field = fields.find((candidate) => candidate.name === name && isActive(candidate.control));
  if (field) {
    const error = field.wrapper.querySelector<HTMLElement>(".field-error");
    if (error) {
      error.replaceChildren(h("span", { "aria-hidden": "true" }, "⚠ "), problem.detail);
      error.hidden = false;
      const describedBy = new Set((field.control.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean));
      describedBy.add(error.id);
      field.control.setAttribute("aria-describedby", [...describedBy].join(" "));
    }
    field.control.setAttribute("aria-invalid", "true");
    field.control.focus();
    return field.control;
  }
  const alert = form.querySelector<HTMLElement>(".form-error");
  if (alert) {
    alert.replaceChildren(h("strong", {}, `${problem.title}: `), problem.detail);
    alert.hidden = false;
  }
  return undefined;
}

/** The element that shows a form-level error (role=alert: read out when it appears). */
export function formErrorElement(): HTMLElement {
  return h("div", { class: "form-error", role: "alert", hidden: true });
}
