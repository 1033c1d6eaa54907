// The console's one modal dialog (<dialog id="dialog">): a reason to decline, a note to
// complete, a unit's new status and position. It lives outside <main>, so the views can read
// their data again every few seconds without wiping what the operator is typing. Escape closes
// it; focus returns to the button that opened it, found again by its data-focus-key.

import { h, replace } from "/shared/js/dom.js";
import { t } from "/shared/js/i18n.js";

const dialog = document.getElementById("dialog");
let returnTo = null;

dialog.addEventListener("close", () => {
  const again = returnTo && document.querySelector(`[data-focus-key="${CSS.escape(returnTo)}"]`);
  if (again) again.focus();
  returnTo = null;
});

// `onSubmit(form)` does the work; when it throws, the dialog stays open with the server's words.
export function openDialog({ id, title, fields, submit, onSubmit, returnFocusKey, wide = false }) {
  returnTo = returnFocusKey || null;
  const error = h("p", { class: "error-text", role: "alert" });
  const button = h("button", { type: "submit", class: "btn btn-primary" }, submit);
  const form = h(
    "form",
    {
      id,
      class: "dialog-form",
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        button.disabled = true;
        try {
          await onSubmit(form);
          dialog.close();
        } catch (failure) {
          error.textContent = t("error.failed", { message: failure.message });
        } finally {
          button.disabled = false;
        }
      },
    },
    h("h2", { id: `${id}-title` }, title),
    fields,
    error,
    h("div", { class: "btn-row" }, button, h("button", { type: "button", class: "btn", onclick: () => dialog.close() }, t("console.cancel"))),
  );
  dialog.classList.toggle("wide", wide);
  dialog.setAttribute("aria-labelledby", `${id}-title`);
  replace(dialog, form);
  dialog.showModal();
  const first = form.querySelector("input, select, textarea");
  if (first) first.focus();
}
