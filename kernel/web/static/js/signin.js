// The sign-in form of every signed-in page: the same fields (#username, #password) and the same
// answers to a wrong password or a refused account; what happens next is the page's business.

import { h, replace } from "./dom.js";
import { t } from "./i18n.js";
import { signIn } from "./session.js";

export function showSignInForm(root, { title, hint, message = "", onSignedIn }) {
  const error = h("p", { id: "sign-in-error", class: "error-text", role: "alert" }, message);
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h(
    "form",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        try {
          await signIn(username.value.trim(), password.value);
          await onSignedIn();
        } catch (failure) {
          error.textContent =
            failure.status === 401
              ? t("auth.bad_credentials")
              : failure.status === 403
                ? t("auth.refused", { message: failure.message })
                : t("error.failed", { message: failure.message });
          password.select();
        }
      },
    },
    h("label", { class: "field", for: "username" }, t("auth.username"), username),
    h("label", { class: "field", for: "password" }, t("auth.password"), password),
    error,
    h("button", { type: "submit", class: "btn btn-primary" }, t("auth.sign_in")),
  );
  replace(root, h("section", { class: "signin panel" }, h("h1", {}, title), h("p", { class: "muted" }, hint), form));
  username.focus();
}
