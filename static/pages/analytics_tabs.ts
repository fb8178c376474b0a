/**
 * Analytics tabs that live in their own modules: each registers itself here
 * (`registerTab`) when imported, and `analytics.ts` lists and renders them
 * after its built-in tabs.
 *
 * @module
 */

/** Releases what a tab drew (charts, observers). */
export type Dispose = () => void;

/** One registered tab. */
export interface AnalyticsTab {
  /** `tab=` value in the URL. */
  key: string;
  label: string;
  /** Draws the tab into `body`; `win` is the page's window selection (may be ignored). */
  render(body: HTMLElement, win: string): Promise<Dispose[]>;
}

/** The registered tabs, in registration order. */
export const EXTRA_TABS: AnalyticsTab[] = [];

/** Registers a tab (a second registration of the same key is ignored). */
export function registerTab(tab: AnalyticsTab): void {
  if (!EXTRA_TABS.some((t) => t.key === tab.key)) EXTRA_TABS.push(tab);
}
