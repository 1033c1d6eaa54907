// The frame of every signed-in page, the command room's and each duty room's alike: who is
// signed in, the navigation, one view at a time chosen by the address's hash, and the start of
// the page (catalogues, language switch, sign-out, a 401 anywhere, the clocks' tick). What
// differs (the views, the links, what the top bar shows) each page passes in.

import { whenUnauthorized } from "./api.js";
import { tick } from "./clocks.js";
import { h, replace } from "./dom.js";
import { applyStatic, bindLangSwitch, lang, loadCatalogues, onLangChange, setLang, t } from "./i18n.js";
import { can, session, signOut, whoAmI } from "./session.js";
import { showSignInForm } from "./signin.js";
import { toast, toastError } from "./toast.js";
import { loadVocabulary } from "./vocabulary.js";

// A 401 has already sent the operator to the sign-in form; anything else is said.
export function showLoadError(error) {
  if (error && error.status === 401) return;
  toastError(error);
}

export function drawWho(who) {
  const operator = session.operator;
  if (!operator) return;
  who.textContent = t("auth.signed_in_as", { name: operator.display_name || operator.username, role: t(`role.${operator.role}`) });
  who.dataset.role = operator.role;
}

// `links`: [{id, href, text}], those the role may follow; `current` is marked as the page.
export function drawNav(nav, links, current) {
  replace(
    nav,
    links.map((link) => h("a", { href: link.href, "aria-current": link.id === current ? "page" : null, dataset: { nav: link.id } }, link.text)),
  );
}

// Views by the address's hash. Each route: {pattern, module, nav (the link it lights: an id,
// or a function of the match), permission?}; a module's mount(root, params, context) returns
// {refresh, dispose?, ...}. An unknown address, or one the role may not open, goes `home`.
export function viewRouter({ main, nav, routes, home, links }) {
  let view = null;

  function close() {
    if (view && view.dispose) view.dispose();
    view = null;
  }

  async function route() {
    if (!session.operator) return;
    let match = null;
    const found = routes.find((r) => (match = (location.hash || home).match(r.pattern)));
    if (!found || (found.permission && !can(found.permission))) {
      location.hash = home;
      return;
    }
    close();
    drawNav(nav, links(), typeof found.nav === "function" ? found.nav(match) : found.nav);
    // Each view draws into its own element: a read still on its way when the operator has moved
    // on (to another view, or the same one in the other language) lands in a detached element
    // and cannot draw over the view now shown.
    const root = h("div", { class: "view-root" });
    main.replaceChildren(root);
    view = found.module.mount(root, match.slice(1), { toast, toastError, navigate: (to) => (location.hash = to) });
    try {
      await view.refresh();
    } catch (error) {
      showLoadError(error);
    }
    if (document.activeElement === document.body || !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  }

  return {
    route,
    close,
    get view() {
      return view;
    },
  };
}

// Starts the page: `draw` once the catalogues are in and again in another language, `redraw`
// only then; `prepare` before asking who is signed in; then `start` (signed in) or
// `showSignIn(message?)`.
export async function startPage({ main, who, signOutButton, router, draw, redraw = () => {}, prepare = async () => {}, start, showSignIn }) {
  await Promise.all([loadCatalogues(), loadVocabulary()]);
  setLang(lang());
  bindLangSwitch(document.getElementById("lang-switch"));
  draw();
  onLangChange(() => {
    draw();
    redraw();
    drawWho(who);
    if (session.operator) router.route();
    else showSignIn();
  });
  signOutButton.addEventListener("click", async () => {
    await signOut();
    showSignIn();
  });
  whenUnauthorized(() => {
    session.operator = null;
    showSignIn(t("auth.expired"));
  });
  window.addEventListener("hashchange", router.route);
  setInterval(() => tick(main), 1000);
  applyStatic(document);
  await prepare();
  const operator = await whoAmI();
  if (operator) await start();
  else showSignIn();
  document.documentElement.dataset.ready = "true";
}

// The sign-in form in place of the view, with what only a signed-in operator sees (`chrome`)
// hidden; `form` is what showSignInForm takes.
export function showSignInFrame({ router, main, chrome, ...form }) {
  router.close();
  for (const node of chrome) node.hidden = true;
  showSignInForm(main, form);
}
