// Response clocks count down in the browser from the deadlines the API returns, corrected by
// the difference between the server's clock and this one. A running clock past its deadline,
// or one the server has marked breached, is overdue: red, with an icon and the word.

import { icon } from "./dom.js";
import { t } from "./i18n.js";

let skewMs = 0;

export function syncServerTime(serverIso) {
  if (serverIso) skewMs = Date.parse(serverIso) - Date.now();
}

export function now() {
  return Date.now() + skewMs;
}

function mmss(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${String(minutes).padStart(2, "0")}:${seconds}`;
}

export function isOverdue(clock) {
  return clock.status === "breached" || (clock.status === "running" && Date.parse(clock.deadline) <= now());
}

// A clock element: it keeps its own data and re-draws itself on every tick.
export function clockNode(clock) {
  const node = document.createElement("span");
  node.className = "clock";
  node.dataset.deadline = clock.deadline;
  node.dataset.status = clock.status;
  node.dataset.kind = clock.kind;
  draw(node);
  return node;
}

function draw(node) {
  const clock = { deadline: node.dataset.deadline, status: node.dataset.status };
  const kind = t(`clock.${node.dataset.kind}`);
  const overdue = isOverdue(clock);
  node.classList.toggle("overdue", overdue);
  node.classList.toggle("settled", !overdue && clock.status !== "running");
  node.replaceChildren();
  if (overdue) {
    const late = (now() - Date.parse(clock.deadline)) / 1000;
    node.append(icon("alarm"), t("clock.overdue", { kind, late: mmss(late) }));
  } else if (clock.status === "running") {
    const left = (Date.parse(clock.deadline) - now()) / 1000;
    node.append(icon("clock"), t("clock.remaining", { kind, left: mmss(left) }));
  } else {
    node.append(t("clock.settled", { kind, status: t(`clock_status.${clock.status}`) }));
  }
}

// Rows and markers that hold clocks are overdue when any of their clocks is.
export function tick(root = document) {
  for (const node of root.querySelectorAll(".clock[data-deadline]")) draw(node);
  for (const holder of root.querySelectorAll("[data-has-clocks]")) {
    const overdue = holder.dataset.serverOverdue === "true" || Boolean(holder.querySelector(".clock.overdue"));
    holder.classList.toggle("overdue", overdue);
    const flag = holder.querySelector(".overdue-flag");
    if (flag) flag.hidden = !overdue;
  }
}

export function overdueFlag() {
  const flag = document.createElement("span");
  flag.className = "overdue-flag";
  flag.hidden = true;
  flag.append(icon("alarm"), t("clock.overdue_flag"));
  return flag;
}
