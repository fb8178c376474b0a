/**
 * `#/home`: the network at a glance — nodes active / quiet / silent by role,
 * observers up / stale / down, packets in the last hour, and the biggest
 * changes of the last 24 hours (nodes that went silent or appeared, observers
 * whose noise floor or battery moved). Refreshes every 30 s while shown.
 *
 * @module
 */

import { getJson } from "../lib/api.ts";
import { empty, errorBox, h, link, loading, replace, table } from "../lib/dom.ts";
import { int, roleClass } from "../lib/format.ts";
import { figure } from "../lib/health_ui.ts";

interface Change {
  kind: "went_silent" | "new_node" | "noise_floor" | "battery";
  id: string;
  name: string | null;
  role?: string;
  delta: number;
  detail: string;
}

interface NetworkStatus {
  total: number;
  active: number;
  degraded: number;
  silent: number;
  roleCounts: Record<string, number>;
  byRole?: Record<string, { active: number; degraded: number; silent: number }>;
  observers?: { total: number; up: number; stale: number; down: number };
  packetsLastHour?: number;
  changes?: Change[];
}

const KIND_LABEL: Record<Change["kind"], string> = {
  went_silent: "Went silent",
  new_node: "New node",
  noise_floor: "Noise floor",
  battery: "Battery",
};

function changeLink(c: Change) {
  const label = c.name || c.id.slice(0, 8);
  return c.kind === "noise_floor" || c.kind === "battery"
    ? link(`#/observers/${encodeURIComponent(c.id)}`, label)
    : link(`#/nodes/${encodeURIComponent(c.id)}`, label);
}

function render(body: HTMLElement, s: NetworkStatus) {
  const roles = Object.entries(s.byRole ?? {}).sort((a, b) =>
    (s.roleCounts[b[0]] ?? 0) - (s.roleCounts[a[0]] ?? 0)
  );
  const o = s.observers;
  replace(
    body,
    h(
      "div",
      { class: "cards" },
      figure("nodes active", int(s.active), "ok"),
      figure("quiet", int(s.degraded), "warn"),
      figure("silent", int(s.silent), "dead"),
      o ? figure("observers up", `${int(o.up)} / ${int(o.total)}`) : null,
      o ? figure("observers down", int(o.down + o.stale)) : null,
      figure("packets last hour", int(s.packetsLastHour)),
    ),
    h(
      "div",
      { class: "grid2" },
      h(
        "div",
        { class: "panel" },
        h("h3", null, "Network status by role"),
        table(
          ["Role", "Active", "Quiet", "Silent", "Total"],
          roles.map(([role, c]) => [
            h("span", { class: roleClass(role) }, role),
            int(c.active),
            int(c.degraded),
            int(c.silent),
            int(s.roleCounts[role]),
          ]),
        ),
        h(
          "p",
          { class: "mut" },
          "Quiet = not heard for longer than usual for its role; silent = past the silent threshold.",
        ),
      ),
      h(
        "div",
        { class: "panel" },
        h("h3", null, "Biggest changes today"),
        s.changes?.length
          ? table(
            ["What", "Who", "Change"],
            s.changes.map((c) => [KIND_LABEL[c.kind] ?? c.kind, changeLink(c), c.detail]),
          )
          : empty("Nothing changed much in the last 24 hours."),
      ),
    ),
    h(
      "p",
      null,
      link("#/analytics?tab=rf-health", "RF health →"),
      " ",
      link("#/analytics?tab=clock-health", "Clock health →"),
      " ",
      link("#/observers", "Observers →"),
    ),
  );
}

/** Mounts the overview page. */
export function homePage(el: HTMLElement) {
  const body = h("div", null, loading("Loading network status"));
  el.append(h("h2", null, "Network overview"), body);
  let stopped = false;
  const load = () =>
    getJson<NetworkStatus>("/api/nodes/network-status").then(
      (s) => !stopped && render(body, s),
      (e) => !stopped && replace(body, errorBox(e)),
    );
  load();
  const timer = setInterval(load, 30_000);
  return {
    destroy() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
