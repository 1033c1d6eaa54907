// One line of text for each event of the live stream and of an incident's timeline.

import { named, t, tOr } from "/shared/js/i18n.js";
import { agency, center } from "/shared/js/vocabulary.js";
import { EVENT_TYPES } from "./live.js";

export function describeEvent(event) {
  const data = event.data || {};
  const params = {
    title: data.title || (event.incident_id || "").slice(0, 8),
    agency: data.agency ? named(agency(data.agency)) : "",
    center: data.center ? named(center(data.center)) : "",
    unit: data.unit_id || (data.unit_ids || []).join(", "),
    status: event.kind === "unit" && data.status ? t(`unit_status.${data.status}`) : "",
    clock: data.clock ? t(`clock.${data.clock}`) : "",
    reason: data.reason || data.note || "",
    called: data.called ?? "",
    actor: event.actor,
    partner: data.partner ? tOr(`partner.${data.partner}`, data.partner) : "",
    subject: data.subject || "",
  };
  const type = `${event.kind}.${event.action}`;
  if (!EVENT_TYPES.includes(type)) return t("event.other", { type });
  return t(`event.${type}`, params);
}
