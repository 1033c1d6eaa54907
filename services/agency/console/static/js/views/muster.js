// One call-up's muster board: who has acknowledged, is on the way, has arrived or cannot come
// (with the reason), each member's personal link (copied to send it), and the links as QR codes
// on a sheet that prints by itself (one card per member, to hand out or pin up; a link's token
// is too long to type, so the card carries only the code and the name).

import { api } from "/shared/js/api.js";
import { h } from "/shared/js/dom.js";
import { formatTime, t } from "/shared/js/i18n.js";
import { drillBadge, heading, statusBadge } from "/shared/js/widgets.js";
import { redrawer } from "../redraw.js";
import { closed, counts } from "./callups.js";

const ANSWERS = ["acknowledged", "on_the_way", "arrived", "declined"];

export function mount(root, [callUpId], context) {
  const board = h("div", { class: "no-print" });
  const sheet = h("div", {});
  root.replaceChildren(board, sheet);
  const redrawBoard = redrawer(board);
  // The QR images are drawn again only when the members or their links change, not on every read.
  const redrawSheet = redrawer(sheet);

  async function refresh() {
    const muster = await api(`/api/v1/callups/${encodeURIComponent(callUpId)}`);
    redrawBoard(muster, () => drawBoard(muster));
    const links = muster.members.map((m) => [m.member_id, m.name, m.link]);
    redrawSheet(links, () => drawSheet(muster));
  }

  const href = (member) => new URL(member.link, location.origin).href;

  async function copy(member) {
    try {
      await navigator.clipboard.writeText(href(member));
      context.toast(t("console.muster.copied", { name: member.name }));
    } catch (error) {
      context.toastError(error);
    }
  }

  function answerCell(member, answer) {
    const at = member[`${answer}_at`];
    if (!at) return h("td", { dataset: { answer } }, h("span", { class: "muted" }, "—"));
    return h(
      "td",
      { dataset: { answer, answered: "" } },
      h("time", { datetime: at }, formatTime(at)),
      answer === "declined" && member.reason ? h("span", { class: "sub" }, member.reason) : null,
    );
  }

  function drawBoard(muster) {
    const callUp = muster.call_up;
    return h(
      "section",
      { dataset: { callUpId: callUp.id, status: callUp.status } },
      heading(t("console.muster.heading", { team: callUp.team_id }), " ", statusBadge("callup_status", callUp.status), callUp.drill ? [" ", drillBadge()] : null),
      h("p", { class: "muted" }, t("console.callups.called_at", { time: formatTime(callUp.called_at, true), place: callUp.assembly_point || "—" })),
      callUp.status !== "open" ? h("p", { class: "muted" }, closed(callUp)) : null,
      counts(callUp),
      h(
        "table",
        { class: "muster-table" },
        h(
          "thead",
          {},
          h("tr", {}, h("th", { scope: "col" }, t("console.muster.member")), ANSWERS.map((answer) => h("th", { scope: "col" }, t(`console.muster.${answer}`))), h("th", { scope: "col" }, t("console.muster.link"))),
        ),
        h(
          "tbody",
          {},
          muster.members.map((member) =>
            h(
              "tr",
              { dataset: { memberId: member.member_id } },
              h("td", {}, member.name, h("span", { class: "sub" }, [t(`member_role.${member.role}`), member.phone].filter(Boolean).join(" · "))),
              ANSWERS.map((answer) => answerCell(member, answer)),
              h(
                "td",
                {},
                h(
                  "button",
                  { type: "button", class: "btn", "data-focus-key": `copy-${member.member_id}`, "aria-label": t("console.muster.copy_for", { name: member.name }), onclick: () => copy(member) },
                  t("console.muster.copy"),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function drawSheet(muster) {
    const callUp = muster.call_up;
    return h(
      "section",
      { class: "qr-sheet" },
      h("div", { class: "btn-row no-print" }, h("h2", {}, t("console.muster.qr_heading")), h("button", { type: "button", class: "btn btn-primary", id: "print-qr", onclick: () => window.print() }, t("console.muster.print"))),
      h("p", { class: "muted no-print" }, t("console.muster.qr_help")),
      h(
        "div",
        { class: "qr-cards" },
        muster.members.map((member) =>
          h(
            "figure",
            { class: "qr-card", dataset: { memberId: member.member_id } },
            h("img", { src: member.qr, alt: t("console.muster.qr_alt", { name: member.name }), width: 160, height: 160 }),
            h("figcaption", {}, h("b", {}, member.name), h("span", { class: "sub" }, callUp.team_id)),
          ),
        ),
      ),
    );
  }

  return { refresh };
}
