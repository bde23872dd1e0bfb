/**
 * The confirmation dialog every action on one certificate shares (revoke,
 * renew, register with AWS IoT Core): a native modal `<dialog>` (focus stays
 * inside, Escape cancels) that names its target, holds the action's own
 * controls, sends one request on an explicit confirmation, shows the API's
 * problem in place (under the control its `field` names, else above the
 * buttons) and gives focus back to the button that opened it.
 */
import { ApiProblem } from "./api.js";
import { announce, append, type Child, h } from "./dom.js";
import { clearErrors, type Field, formErrorElement, showProblem } from "./forms.js";

/** What an action dialog acts on: anything with a name to say. */
export interface DialogTarget {
  subject: string;
}

export interface ActionDialogSpec<T extends DialogTarget, R> {
  /** Prefix of the element ids: `<name>-dialog`, `<name>-form`, `<name>-heading`, `<name>-description`. */
  name: string;
  /** The dialog's heading, which is also its accessible name. */
  heading: string;
  /** The confirm button's text. */
  confirmLabel: string;
  /** A red confirm button, for what cannot be undone; default false. */
  danger?: boolean;
  /** The action's controls and notes, between the description and the buttons; none by default. */
  body?: Child[];
  /** The controls a problem's `field` may name (its detail then shows under it); none by default. */
  fields?: readonly Field[];
  /** The past participle for announcements: `Not revoked: sensor-0001.` */
  done: string;
  /**
   * Called each time the dialog opens: resets the controls, returns the
   * description naming the target and the control to focus (default: the
   * confirm button).
   */
  prepare(target: T): { description: Child[]; focus?: HTMLElement };
  /** The request; a rejection (an ApiProblem) is shown in the dialog, which stays open. */
  submit(target: T): Promise<R>;
  /** After success, once the dialog has closed: announce, show the result, refresh. */
  succeeded(target: T, result: R): Promise<void>;
  /** Whether focus goes back to the opener after a success; default true. False when `succeeded` moves it (to the result panel). */
  refocusAfterSuccess?: boolean;
  /** After a failure has been shown (e.g. a conflict refreshes the page behind the dialog); nothing by default. */
  failed?(target: T, problem: ApiProblem): void;
}

/**
 * Builds the dialog (appended to the body, closed) and returns the function
 * that opens it for one target.
 */
export function buildActionDialog<T extends DialogTarget, R>(spec: ActionDialogSpec<T, R>): (target: T) => void {
  const { name } = spec;
  const description = h("p", { id: `${name}-description` });
  const confirm = h("button", { type: "submit", class: spec.danger ? "danger" : undefined }, spec.confirmLabel);
  const cancel = h("button", { type: "button" }, "Cancel");
  const form = h(
    "form",
    { id: `${name}-form`, novalidate: true },
    h("h2", { id: `${name}-heading` }, spec.heading),
    description,
    ...(spec.body ?? []),
    formErrorElement(),
    h("div", { class: "form-actions" }, confirm, cancel),
  );
  const dialog = h(
    "dialog",
    {
      id: `${name}-dialog`,
      class: "action-dialog",
      "aria-labelledby": `${name}-heading`,
      "aria-describedby": `${name}-description`,
    },
    form,
  );
  document.body.append(dialog);

  const SUCCEEDED = "done";
  const refocusAfterSuccess = spec.refocusAfterSuccess ?? true;
  let target: T | undefined;
  let opener: HTMLElement | null = null;

  /** The opener, or, when a refresh re-rendered it, the hierarchy's heading (the list it was in). */
  const returnFocus = () => {
    if (opener?.isConnected) opener.focus();
    else document.getElementById("hierarchy-heading")?.focus();
  };

  cancel.addEventListener("click", () => dialog.close("cancel"));
  dialog.addEventListener("close", () => {
    const succeeded = dialog.returnValue === SUCCEEDED;
    if (!succeeded && target) announce(`Not ${spec.done}: ${target.subject}.`);
    target = undefined;
    if (!succeeded || refocusAfterSuccess) returnFocus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const current = target;
    if (!current || form.getAttribute("aria-busy") === "true") return;
    clearErrors(form);
    form.setAttribute("aria-busy", "true");
    confirm.disabled = true;
    try {
      const result = await spec.submit(current);
      dialog.close(SUCCEEDED);
      await spec.succeeded(current, result);
      // The opener was re-rendered by the refresh: continue from the list's heading.
      if (refocusAfterSuccess && !opener?.isConnected) returnFocus();
    } catch (error) {
      const problem = error instanceof ApiProblem ? error : new ApiProblem(0, "Error", String(error));
      showProblem(form, spec.fields ?? [], problem);
      announce(`Not ${spec.done}: ${problem.detail}`, "error");
      spec.failed?.(current, problem);
    } finally {
      form.removeAttribute("aria-busy");
      confirm.disabled = false;
    }
  });

  return (certificate) => {
    target = certificate;
    opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    clearErrors(form);
    const prepared = spec.prepare(certificate);
    description.replaceChildren();
    append(description, ...prepared.description);
    dialog.returnValue = "";
    dialog.showModal();
    (prepared.focus ?? confirm).focus();
  };
}
