// Messages to the person at the screen: a short confirmation, or the server's refusal in words.
// One box per page (#toast, role=alert), so a screen reader reads each message once.

import { t } from "./i18n.js";

let timer = null;

export function toast(message, { error = false } = {}) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.classList.toggle("error", error);
  box.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => (box.hidden = true), error ? 8000 : 4000);
}

export function toastError(error) {
  if (error && error.status === 403) toast(t("error.forbidden", { message: error.message }), { error: true });
  else if (error && error.status === 409) toast(t("error.conflict", { message: error.message }), { error: true });
  else toast(t("error.failed", { message: (error && error.message) || String(error) }), { error: true });
}
