// An incident reported by the agency's own operators, in the agency's own categories, with the
// position picked on the district map or typed. It is recorded here first and reaches the
// command room through the agency's outbox, also when the links are down at the time.

import { api } from "/shared/js/api.js";
import { h, replace } from "/shared/js/dom.js";
import { t } from "/shared/js/i18n.js";
import { loadDistrict } from "/shared/js/map.js";
import { reportForm } from "/shared/js/report-form.js";
import { heading } from "/shared/js/widgets.js";
import { here } from "../agency.js";

export function mount(root, _params, context) {
  async function refresh() {
    if (root.querySelector("#report-form")) return;
    const geometry = await loadDistrict();
    const form = reportForm({
      id: "report-form",
      categories: here.profile.categories.map((c) => c.code),
      geometry,
      channel: "agency-console",
      submit: (body, key) => api("/api/v1/incidents", { method: "POST", body, headers: { "Idempotency-Key": key } }),
      done: (incident) => {
        context.toast(t("intake.created", { title: incident.title }));
        context.navigate(`#/incident/${incident.id}`);
      },
    });
    replace(root, h("section", {}, heading(t("console.report.heading")), h("p", { class: "muted" }, t("console.report.help")), form));
  }

  // Nothing here changes by itself: the form is left alone while the operator types.
  return { refresh, still: true };
}
