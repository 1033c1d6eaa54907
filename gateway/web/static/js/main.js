// The command room: sign-in, the navigation, the live stream and the views it keeps current.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { drawWho, showLoadError, showSignInFrame, startPage, viewRouter } from "/shared/js/frame.js";
import { formatTime, t } from "/shared/js/i18n.js";
import { can } from "/shared/js/session.js";
import { vocabulary } from "/shared/js/vocabulary.js";
import { describeEvent } from "./events.js";
import { LiveStream } from "./live.js";
import * as board from "./views/board.js";
import * as incident from "./views/incident.js";
import * as intake from "./views/intake.js";
import * as units from "./views/units.js";
import * as map from "./views/map.js";
import * as teams from "./views/teams.js";
import * as disputes from "./views/disputes.js";
import * as keyPersons from "./views/keypersons.js";
import * as factors from "./views/factors.js";
import * as partners from "./views/partners.js";
import * as audit from "./views/audit.js";
import * as admin from "./views/admin.js";
import * as bulletins from "./views/bulletins.js";

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
  const view = router.view;
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
  refreshTimer = setTimeout(() => {
    const view = router.view;
    if (view && view.refresh) view.refresh().catch(showLoadError);
  }, REFRESH_DEBOUNCE_MS);
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
  { pattern: /^#\/disputes(?:\/([\w-]+))?$/, module: disputes, nav: () => "disputes" },
  { pattern: /^#\/key-persons$/, module: keyPersons, nav: () => "key-persons", permission: "key_persons" },
  { pattern: /^#\/factors$/, module: factors, nav: () => "factors" },
  { pattern: /^#\/partners$/, module: partners, nav: () => "partners" },
  { pattern: /^#\/bulletins$/, module: bulletins, nav: () => "bulletins" },
  { pattern: /^#\/audit$/, module: audit, nav: () => "audit", permission: "audit" },
  { pattern: /^#\/admin$/, module: admin, nav: () => "admin", permission: "admin" },
];

function navLinks() {
  return [
    ...vocabulary.centers.map((c) => ({ id: `board-${c.id}`, href: `#/board/${c.id}`, text: t(`nav.board.${c.id}`) })),
    can("intake") && { id: "intake", href: "#/intake", text: t("nav.intake") },
    { id: "units", href: "#/units", text: t("nav.units") },
    { id: "map", href: "#/map", text: t("nav.map") },
    { id: "teams", href: "#/teams", text: t("nav.teams") },
    { id: "disputes", href: "#/disputes", text: t("nav.disputes") },
    can("key_persons") && { id: "key-persons", href: "#/key-persons", text: t("nav.key_persons") },
    { id: "factors", href: "#/factors", text: t("nav.factors") },
    { id: "partners", href: "#/partners", text: t("nav.partners") },
    { id: "bulletins", href: "#/bulletins", text: t("nav.bulletins") },
    can("audit") && { id: "audit", href: "#/audit", text: t("nav.audit") },
    can("admin") && { id: "admin", href: "#/admin", text: t("nav.admin") },
  ].filter(Boolean);
}

const router = viewRouter({ main, nav, routes: ROUTES, home: "#/board/stability", links: navLinks });

// -- signing in and out ---------------------------------------------------------------------

function showSignIn(message) {
  stream.stop();
  document.getElementById("layout").classList.add("no-feed");
  showSignInFrame({
    router,
    main,
    chrome: [nav, feed, who, signOutButton, banner, liveStatus],
    title: t("auth.title"),
    hint: t("auth.hint"),
    message,
    onSignedIn: start,
  });
}

async function start() {
  document.getElementById("layout").classList.remove("no-feed");
  for (const node of [nav, feed, liveStatus, who, signOutButton]) node.hidden = false;
  drawWho(who);
  stream.start();
  refreshDrillBanner();
  await router.route();
}

// -- start ----------------------------------------------------------------------------------

startPage({
  main,
  who,
  signOutButton,
  router,
  draw: () => {
    drawLiveStatus();
    drawFeed();
  },
  redraw: refreshDrillBanner,
  start,
  showSignIn,
});
