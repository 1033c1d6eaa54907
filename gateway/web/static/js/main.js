// The command room: sign-in, the navigation, the live stream and the views it keeps current.

import { api, whenUnauthorized } from "/shared/js/api.js";
import { tick } from "/shared/js/clocks.js";
import { h, replace } from "/shared/js/dom.js";
import { applyStatic, bindLangSwitch, formatTime, lang, loadCatalogues, onLangChange, setLang, t } from "/shared/js/i18n.js";
import { can, session, signOut, whoAmI } from "/shared/js/session.js";
import { showSignInForm } from "/shared/js/signin.js";
import { toast, toastError } from "/shared/js/toast.js";
import { loadVocabulary, vocabulary } from "/shared/js/vocabulary.js";
import { describeEvent } from "./events.js";
import { LiveStream } from "./live.js";
import * as board from "./views/board.js";
import * as incident from "./views/incident.js";
import * as intake from "./views/intake.js";
import * as units from "./views/units.js";
import * as map from "./views/map.js";
import * as teams from "./views/teams.js";
import * as partners from "./views/partners.js";
import * as audit from "./views/audit.js";
import * as admin from "./views/admin.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const feed = document.getElementById("feed");
const feedList = document.getElementById("feed-list");
const liveStatus = document.getElementById("live-status");
const who = document.getElementById("who");
const signOutButton = document.getElementById("sign-out");
const banner = document.getElementById("drill-banner");

const FEED_SIZE = 40;
const REFRESH_DEBOUNCE_MS = 120;

let view = null;
let refreshTimer = null;
let liveState = "connecting";
const feedItems = [];
const stream = new LiveStream({
  onEvent: received,
  onState: (state) => {
    liveState = state;
    drawLiveStatus();
  },
  onReconnected: () => {
    refreshDrillBanner();
    scheduleRefresh();
  },
  // A 401 here shows the sign-in form (the api's unauthorized handler) and stops the stream.
  stillSignedIn: async () => {
    try {
      await api("/api/v1/auth/me");
      return true;
    } catch (error) {
      return error.status !== 401;
    }
  },
});

// -- the live stream ------------------------------------------------------------------------

function drawLiveStatus() {
  liveStatus.dataset.state = liveState;
  liveStatus.textContent = t(`live.${liveState}`);
}

function received(event) {
  feedItems.unshift(event);
  feedItems.length = Math.min(feedItems.length, FEED_SIZE);
  drawFeed();
  if (event.kind === "drill") refreshDrillBanner();
  if (view && view.onEvent && view.onEvent(event) === false) return;
  scheduleRefresh();
}

function drawFeed() {
  replace(
    feedList,
    feedItems.map((event) =>
      h(
        "li",
        { dataset: { eventId: String(event.id), type: `${event.kind}.${event.action}`, incident: event.incident_id || "" } },
        h("time", { datetime: event.at }, formatTime(event.at)),
        event.incident_id ? h("a", { href: `#/incident/${event.incident_id}` }, describeEvent(event)) : describeEvent(event),
      ),
    ),
  );
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => view && view.refresh && view.refresh().catch(showLoadError), REFRESH_DEBOUNCE_MS);
}

function showLoadError(error) {
  if (error && error.status === 401) return;
  toastError(error);
}

// -- drill mode -----------------------------------------------------------------------------

async function refreshDrillBanner() {
  try {
    const drills = await api("/api/v1/roster/drills");
    const running = drills.filter((d) => d.status === "running");
    banner.hidden = running.length === 0;
    banner.textContent = running.length ? t("drill.banner", { names: running.map((d) => d.name).join("、") }) : "";
  } catch {
    banner.hidden = true;
  }
}

// -- navigation and views -------------------------------------------------------------------

const ROUTES = [
  { pattern: /^#\/board\/(\w+)$/, module: board, nav: (m) => `board-${m[1]}` },
  { pattern: /^#\/incident\/([\w-]+)$/, module: incident, nav: () => null },
  { pattern: /^#\/intake$/, module: intake, nav: () => "intake", permission: "intake" },
  { pattern: /^#\/units$/, module: units, nav: () => "units" },
  { pattern: /^#\/map$/, module: map, nav: () => "map" },
  { pattern: /^#\/teams$/, module: teams, nav: () => "teams" },
  { pattern: /^#\/partners$/, module: partners, nav: () => "partners" },
  { pattern: /^#\/audit$/, module: audit, nav: () => "audit", permission: "audit" },
  { pattern: /^#\/admin$/, module: admin, nav: () => "admin", permission: "admin" },
];

function drawNav(current) {
  const links = [
    ...vocabulary.centers.map((c) => ({ id: `board-${c.id}`, href: `#/board/${c.id}`, text: t(`nav.board.${c.id}`) })),
    can("intake") && { id: "intake", href: "#/intake", text: t("nav.intake") },
    { id: "units", href: "#/units", text: t("nav.units") },
    { id: "map", href: "#/map", text: t("nav.map") },
    { id: "teams", href: "#/teams", text: t("nav.teams") },
    { id: "partners", href: "#/partners", text: t("nav.partners") },
    can("audit") && { id: "audit", href: "#/audit", text: t("nav.audit") },
    can("admin") && { id: "admin", href: "#/admin", text: t("nav.admin") },
  ].filter(Boolean);
  replace(
    nav,
    links.map((link) =>
      h("a", { href: link.href, "aria-current": link.id === current ? "page" : null, dataset: { nav: link.id } }, link.text),
    ),
  );
}

async function route() {
  if (!session.operator) return;
  const hash = location.hash || "#/board/stability";
  let match = null;
  let found = ROUTES.find((r) => (match = hash.match(r.pattern)));
  if (!found || (found.permission && !can(found.permission))) {
    location.hash = "#/board/stability";
    return;
  }
  if (view && view.dispose) view.dispose();
  drawNav(found.nav(match));
  main.replaceChildren();
  const context = { toast, toastError, navigate: (to) => (location.hash = to) };
  view = found.module.mount(main, match.slice(1), context);
  try {
    await view.refresh();
  } catch (error) {
    showLoadError(error);
  }
  if (document.activeElement === document.body || !main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

// -- signing in and out ---------------------------------------------------------------------

function showSignIn(message) {
  stream.stop();
  if (view && view.dispose) view.dispose();
  view = null;
  nav.hidden = true;
  feed.hidden = true;
  who.hidden = true;
  signOutButton.hidden = true;
  banner.hidden = true;
  liveStatus.hidden = true;
  document.getElementById("layout").classList.add("no-feed");
  showSignInForm(main, { title: t("auth.title"), hint: t("auth.hint"), message, onSignedIn: start });
}

async function start() {
  document.getElementById("layout").classList.remove("no-feed");
  nav.hidden = false;
  feed.hidden = false;
  liveStatus.hidden = false;
  who.hidden = false;
  signOutButton.hidden = false;
  drawWho();
  stream.start();
  refreshDrillBanner();
  await route();
}

function drawWho() {
  const operator = session.operator;
  if (!operator) return;
  who.textContent = t("auth.signed_in_as", { name: operator.display_name || operator.username, role: t(`role.${operator.role}`) });
  who.dataset.role = operator.role;
}

// -- start ----------------------------------------------------------------------------------

async function boot() {
  await Promise.all([loadCatalogues(), loadVocabulary()]);
  setLang(lang());
  bindLangSwitch(document.getElementById("lang-switch"));
  drawLiveStatus();
  onLangChange(() => {
    drawLiveStatus();
    drawFeed();
    drawWho();
    refreshDrillBanner();
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
  applyStatic(document);
  const operator = await whoAmI();
  if (operator) await start();
  else showSignIn();
  document.documentElement.dataset.ready = "true";
}

boot();
