/**
 * Analytics "Channels" tab: active channels, top senders and messages per
 * hour for the busiest channels (`/api/analytics/channels`).
 *
 * @module
 */

import { getJson, qs } from "../lib/api.ts";
import { type AnalyticsTab, panel } from "../lib/analytics_tab.ts";
import { chart, PALETTE } from "../lib/charts.ts";
import { empty, h, table } from "../lib/dom.ts";
import { int } from "../lib/format.ts";

interface ChannelRow {
  name: string;
  count?: number;
  messages?: number;
  encrypted?: boolean;
  hash?: string | number;
}

interface Channels {
  activeChannels?: ChannelRow[] | number;
  channels?: ChannelRow[];
  topSenders?: { sender?: string; name?: string; count: number }[];
  channelTimeline?: { hour: string; channel: string; count: number }[];
}

/** Per-hour series for the `top` busiest channels: x (unix s) and one value list each. */
export function timelineSeries(
  rows: { hour: string; channel: string; count: number }[],
  top: number,
): { x: number[]; series: { label: string; values: number[] }[] } {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.channel, (totals.get(r.channel) ?? 0) + r.count);
  const names = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([n]) => n);
  const xs = [...new Set(rows.map((r) => Math.floor(Date.parse(r.hour) / 1000)))]
    .filter(Number.isFinite).sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const series = names.map((label) => ({ label, values: xs.map(() => 0) }));
  for (const r of rows) {
    const si = names.indexOf(r.channel);
    const xi = at.get(Math.floor(Date.parse(r.hour) / 1000));
    if (si >= 0 && xi !== undefined) series[si].values[xi] += r.count;
  }
  return { x: xs, series };
}

/** The tab. */
export const channelsTab: AnalyticsTab = {
  key: "channels",
  label: "Channels",
  async render(body, ctx) {
    const d = await getJson<Channels>(
      "/api/analytics/channels" + qs({ window: ctx.win || undefined }),
    );
    const chans = Array.isArray(d.channels)
      ? d.channels
      : Array.isArray(d.activeChannels)
      ? d.activeChannels
      : [];
    const c = h("div", { class: "chart" });
    const tl = timelineSeries(d.channelTimeline ?? [], 6);
    body.replaceChildren(
      panel("Messages per hour (busiest channels)", c),
      h(
        "div",
        { class: "grid2" },
        panel(
          `Active channels (${int(chans.length)})`,
          chans.length
            ? table(
              ["Channel", "Messages", "Encrypted"],
              chans.map((ch) => [
                ch.name,
                int(ch.count ?? ch.messages),
                ch.encrypted ? "yes" : "",
              ]),
            )
            : empty("No channel traffic."),
        ),
        panel(
          "Top senders",
          d.topSenders?.length
            ? table(
              ["Sender", "Messages"],
              d.topSenders.map((s) => [s.sender ?? s.name ?? "?", int(s.count)]),
            )
            : empty("No senders."),
        ),
      ),
    );
    return [
      await chart(
        c,
        tl.x,
        tl.series.map((s, i) => ({ ...s, color: PALETTE[i % PALETTE.length] })),
        { time: true },
      ),
    ];
  },
};
