// The live stream: one EventSource on /api/v1/stream. The browser reconnects by itself after a
// network cut and sends Last-Event-ID, so the server replays what was missed. When the browser
// gives up (the server answered with an error, e.g. while restarting), the page opens a new
// stream itself from the last event it saw (?after=), so nothing is missed either way; unless
// the operator is no longer signed in (the account was disabled, the session expired), which
// the page learns from stillSignedIn() and answers with the sign-in form.

// Every event type the gateway writes to its activity record (kind.action).
export const EVENT_TYPES = [
  "route.routed",
  "route.rerouted",
  "incident.reported",
  "incident.updated",
  "incident.accepted",
  "incident.dispatched",
  "incident.on_scene",
  "incident.resolved",
  "incident.closed",
  "incident.cancelled",
  "incident.merged",
  "incident.merge_received",
  "task.assigned",
  "task.acknowledged",
  "task.declined",
  "task.en_route",
  "task.on_scene",
  "task.completed",
  "task.cancelled",
  "unit.changed",
  "clock.breached",
  "callup.issued",
  "callup.cancelled",
  "callup.stood_down",
  "callup.answer_refused",
  "drill.started",
  "drill.ended",
  "factor.opened",
  "factor.status",
  "factor.watch_started",
  "factor.checked_in",
  "factor.check_in_missed",
  "factor.became_incident",
  "aid.requested",
  "aid.accepted",
  "aid.declined",
  "aid.in_progress",
  "aid.completed",
];

const MAX_BACKOFF_MS = 5000;

export class LiveStream {
  constructor({ onEvent, onState, onReconnected, stillSignedIn }) {
    this.onEvent = onEvent;
    this.stillSignedIn = stillSignedIn;
    this.onState = onState;
    this.onReconnected = onReconnected;
    this.lastId = null;
    this.source = null;
    this.backoff = 1000;
    this.timer = null;
    this.opened = false;
  }

  start() {
    this.stop();
    const url = this.lastId === null ? "/api/v1/stream" : `/api/v1/stream?after=${this.lastId}`;
    const source = new EventSource(url, { withCredentials: true });
    this.source = source;
    this.onState(this.opened ? "reconnecting" : "connecting");
    source.addEventListener("open", () => {
      this.backoff = 1000;
      const again = this.opened;
      this.opened = true;
      this.onState("live");
      if (again) this.onReconnected();
    });
    source.addEventListener("error", () => {
      if (source !== this.source) return;
      if (source.readyState === EventSource.CLOSED) {
        this.onState("reconnecting");
        this.timer = setTimeout(async () => {
          if (await this.stillSignedIn()) this.start();
        }, this.backoff);
        this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
      } else {
        this.onState("reconnecting");
      }
    });
    for (const type of EVENT_TYPES) source.addEventListener(type, (message) => this.receive(message));
  }

  receive(message) {
    const id = Number(message.lastEventId);
    if (this.lastId !== null && id <= this.lastId) return;
    this.lastId = id;
    document.documentElement.dataset.lastEventId = String(id);
    this.onEvent(JSON.parse(message.data));
  }

  stop() {
    clearTimeout(this.timer);
    if (this.source) this.source.close();
    this.source = null;
  }
}
