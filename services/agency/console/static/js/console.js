// An agency's duty room: sign-in, the agency's name and the state of its links in the top bar,
// and the views (tasks, units, report, picture, call-ups) kept current by reading the console
// API every few seconds. The API answers from the agency's own database, so all of it works
// while the gateway or the broker is down; the links say so, and what the operators do goes
// out when the links return.

import { ApiError, whenUnauthorized } from "/shared/js/api.js";
import { tick } from "/shared/js/clocks.js";
import { h, icon, replace } from "/shared/js/dom.js";
import { applyStatic, bindLangSwitch, lang, loadCatalogues, locale, named, onLangChange, setLang, t } from "/shared/js/i18n.js";
import { can, session, signOut, whoAmI } from "/shared/js/session.js";
import { showSignInForm } from "/shared/js/signin.js";
import { toast, toastError } from "/shared/js/toast.js";
import { agency, loadVocabulary, vocabulary } from "/shared/js/vocabulary.js";
import { here, readAgency } from "./agency.js";
import { redrawer } from "./redraw.js";
import * as callups from "./views/callups.js";
import * as incident from "./views/incident.js";
import * as muster from "./views/muster.js";
import * as picture from "./views/picture.js";
import * as report from "./views/report.js";
import * as tasks from "./views/tasks.js";
import * as teams from "./views/teams.js";
import * as units from "./views/units.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const links = document.getElementById("links");
const offline = document.getElementById("offline");
const who = document.getElementById("who");
const brand = document.getElementById("agency-name");
const signOutButton = document.getElementById("sign-out");

// New tasks must show up quickly; the API is this agency's own, on the same machine.
const POLL_MS = 2000;
const LINKS = ["gateway", "broker"];
const redrawLinks = redrawer(links);

// What each view needs the role to allow; the server checks every call regardless.
const ROUTES = [
  { pattern: /^#\/tasks$/, module: tasks, nav: "tasks" },
  { pattern: /^#\/units$/, module: units, nav: "units" },
  { pattern: /^#\/report$/, module: report, nav: "report", permission: "report" },
  { pattern: /^#\/picture$/, module: picture, nav: "picture" },
  { pattern: /^#\/incident\/([\w-]+)$/, module: incident, nav: "picture" },
  { pattern: /^#\/callups$/, module: callups, nav: "callups", permission: "muster" },
  { pattern: /^#\/callup\/([\w-]+)$/, module: muster, nav: "callups", permission: "muster" },
  { pattern: /^#\/teams$/, module: teams, nav: "teams", permission: "muster" },
];
const NAV = [
  { id: "tasks" },
  { id: "units" },
  { id: "report", permission: "report" },
  { id: "picture" },
  { id: "callups", permission: "muster" },
  { id: "teams", permission: "muster" },
];

let view = null;
let reachable = true;

// -- the agency and its links ----------------------------------------------------------------

function agencyName() {
  return named(agency(vocabulary.agency));
}

function drawBrand() {
  brand.textContent = t("console.brand", { agency: agencyName() });
  document.title = brand.textContent;
}

// Drawn again only when a link's state (or the language) changes: #links is a live region, and
// a screen reader should hear a change, not the same words every two seconds.
function drawLinks() {
  const profile = here.profile;
  const state = reachable && profile ? profile.links : null;
  const down = state ? LINKS.filter((name) => state[name] !== "up") : [];
  offline.hidden = down.length === 0 || !session.operator;
  const names = new Intl.ListFormat(locale(), { type: "conjunction" }).format(down.map((name) => t(`console.link.${name}`)));
  offline.textContent = down.length ? t("console.link.offline_note", { links: names }) : "";
  redrawLinks({ state, lang: lang() }, () =>
    state
      ? LINKS.map((name) => {
          const up = state[name] === "up";
          return h(
            "span",
            { class: "link", dataset: { link: name, state: up ? "up" : "down" } },
            icon(up ? "check" : "alarm"),
            t("console.link", { name: t(`console.link.${name}`), state: up ? t("console.link.up") : t("console.link.down") }),
          );
        })
      : h("span", { class: "link", dataset: { link: "console", state: "down" } }, icon("alarm"), t("console.link.unreachable")),
  );
}

// Only a console that does not answer at all (or fails) counts as unreachable; a refusal (a
// 401 sends the operator to the sign-in form) is an answer.
function unreachable(error) {
  return !(error instanceof ApiError) || error.status >= 500;
}

async function readLinks() {
  try {
    await readAgency();
    reachable = true;
  } catch (error) {
    reachable = !unreachable(error);
  }
  drawLinks();
}

// -- navigation and views ----------------------------------------------------------------------

function drawNav(current) {
  replace(
    nav,
    NAV.filter((link) => !link.permission || can(link.permission)).map(({ id }) =>
      h("a", { href: `#/${id}`, "aria-current": id === current ? "page" : null, dataset: { nav: id } }, t(`console.nav.${id}`)),
    ),
  );
}

function showLoadError(error) {
  if (error && error.status === 401) return;
  toastError(error);
}

async function route() {
  if (!session.operator) return;
  let match = null;
  const found = ROUTES.find((r) => (match = (location.hash || "#/tasks").match(r.pattern)));
  if (!found || (found.permission && !can(found.permission))) {
    location.hash = "#/tasks";
    return;
  }
  if (view && view.dispose) view.dispose();
  drawNav(found.nav);
  main.replaceChildren();
  view = found.module.mount(main, match.slice(1), { toast, toastError, navigate: (to) => (location.hash = to) });
  try {
    await view.refresh();
  } catch (error) {
    showLoadError(error);
  }
  if (document.activeElement === document.body || !main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

// The links are read on every poll, signed in or not (signing in needs the gateway); every view
// but the report form reads its data again too. Data entry lives in the dialog or in the form,
// so a poll never wipes what someone is typing.
async function poll() {
  await readLinks();
  if (!view || view.still) return;
  try {
    await view.refresh();
  } catch (error) {
    if (!unreachable(error)) return;
    reachable = false;
    drawLinks();
  }
}

// -- signing in and out ------------------------------------------------------------------------

function showSignIn(message) {
  if (view && view.dispose) view.dispose();
  view = null;
  for (const node of [nav, who, signOutButton, offline]) node.hidden = true;
  showSignInForm(main, {
    title: t("console.sign_in_title", { agency: agencyName() }),
    hint: t("console.sign_in_hint"),
    message,
    onSignedIn: start,
  });
}

async function start() {
  for (const node of [nav, who, signOutButton]) node.hidden = false;
  drawWho();
  await readLinks();
  await route();
}

function drawWho() {
  const operator = session.operator;
  if (!operator) return;
  who.textContent = t("auth.signed_in_as", { name: operator.display_name || operator.username, role: t(`role.${operator.role}`) });
  who.dataset.role = operator.role;
}

// -- start -------------------------------------------------------------------------------------

async function boot() {
  await Promise.all([loadCatalogues(), loadVocabulary()]);
  setLang(lang());
  bindLangSwitch(document.getElementById("lang-switch"));
  drawBrand();
  onLangChange(() => {
    drawBrand();
    drawLinks();
    drawWho();
    if (session.operator) route();
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
  window.addEventListener("hashchange", route);
  setInterval(() => tick(main), 1000);
  setInterval(poll, POLL_MS);
  applyStatic(document);
  await readLinks();
  const operator = await whoAmI();
  if (operator) await start();
  else showSignIn();
  document.documentElement.dataset.ready = "true";
}

boot();
