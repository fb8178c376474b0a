/**
 * The contract of an Analytics tab living in its own module
 * (`static/pages/analytics_<tab>.ts`), plus small shared view helpers.
 *
 * @module
 */

import { h } from "./dom.ts";
import type { PacketRow } from "./packet_source.ts";

/** What a tab receives when it renders. */
export interface TabContext {
  /** The selected time window key (`""` = latest). */
  win: string;
  /** The window's `since` ISO time, if any. */
  since?: string;
  /** The shared packet sample of the window (loaded on first use). */
  rows(): Promise<PacketRow[]>;
  /** The page's query parameters (read-only). */
  query: Record<string, string>;
  /** The selected area's key (a configured one), for tabs with `area: true`; else undefined. */
  area?: string;
}

/** A tab: its key (`?tab=`), label and renderer (returns disposers). */
export interface AnalyticsTab {
  key: string;
  label: string;
  /** Whether the tab honours the page's shared area selector (`?area=`). */
  area?: boolean;
  render(body: HTMLElement, ctx: TabContext): Promise<(() => void)[] | void>;
}

/** A titled panel. */
export function panel(title: string, ...body: (Node | string | null | undefined)[]): HTMLElement {
  return h("div", { class: "panel" }, h("h3", null, title), ...body.filter((x) => x != null));
}
