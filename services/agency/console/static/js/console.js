// An agency's duty room: sign-in, the agency's name and the state of its links in the top bar,
// and the views (tasks, units, report, picture, call-ups) kept current by reading the console
// API every few seconds. The API answers from the agency's own database, so all of it works
// while the gateway or the broker is down; the links say so, and what the operators do goes
// out when the links return.

import { ApiError } from "/shared/js/api.js";
import { h, icon } from "/shared/js/dom.js";
import { drawWho, showSignInFrame, startPage, viewRouter } from "/shared/js/frame.js";
import { lang, locale, named, t } from "/shared/js/i18n.js";
import { can, session } from "/shared/js/session.js";
import { agency, vocabulary } from "/shared/js/vocabulary.js";
import { here, readAgency } from "./agency.js";
import { redrawer } from "./redraw.js";
import * as breakGlass from "./views/break-glass.js";
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

// The links are read this often; views too, as a fallback should the live signal be cut (it
// makes a view read again as soon as the agency's data changes).
const POLL_MS = 2000;
// Changes often come in bursts (a call-up's answers): one read for the burst.
const SETTLE_MS = 100;
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
  { pattern: /^#\/break-glass$/, module: breakGlass, nav: "break-glass", permission: "audit" },
];
const NAV = [
  { id: "tasks" },
  { id: "units" },
  { id: "report", permission: "report" },
  { id: "picture" },
  { id: "callups", permission: "muster" },
  { id: "teams", permission: "muster" },
  { id: "break-glass", permission: "audit" },
];

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

const router = viewRouter({
  main,
  nav,
  routes: ROUTES,
  home: "#/tasks",
  links: () => NAV.filter((link) => !link.permission || can(link.permission)).map(({ id }) => ({ id, href: `#/${id}`, text: t(`console.nav.${id}`) })),
});

// The links are read on every poll, signed in or not (signing in needs the gateway); every view
// but the report form reads its data again too. Data entry lives in the dialog or in the form,
// so a poll never wipes what someone is typing.
async function poll() {
  await readLinks();
  const view = router.view;
  if (!view || view.still) return;
  try {
    await view.refresh();
  } catch (error) {
    if (!unreachable(error)) return;
    reachable = false;
    drawLinks();
  }
}

// -- the live signal ---------------------------------------------------------------------------

let changes = null;
let settling = false;

function listen() {
  if (changes) return;
  changes = new EventSource("/api/v1/changes", { withCredentials: true });
  changes.addEventListener("changed", () => {
    if (settling) return;
    settling = true;
    setTimeout(() => {
      settling = false;
      poll();
    }, SETTLE_MS);
  });
}

function stopListening() {
  if (changes) changes.close();
  changes = null;
}

// -- signing in and out ------------------------------------------------------------------------

function showSignIn(message) {
  stopListening();
  showSignInFrame({
    router,
    main,
    chrome: [nav, who, signOutButton, offline],
    title: t("console.sign_in_title", { agency: agencyName() }),
    hint: t("console.sign_in_hint"),
    message,
    onSignedIn: start,
  });
}

async function start() {
  for (const node of [nav, who, signOutButton]) node.hidden = false;
  drawWho(who);
  await readLinks();
  await router.route();
  listen();
}

// -- start -------------------------------------------------------------------------------------

startPage({
  main,
  who,
  signOutButton,
  router,
  draw: drawBrand,
  redraw: drawLinks,
  prepare: async () => {
    setInterval(poll, POLL_MS);
    await readLinks();
  },
  start,
  showSignIn,
});
