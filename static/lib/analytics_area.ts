/**
 * The Analytics page's shared area selector (`?area=KEY`, issue 13). As in
 * the reference, the area applies to the tabs whose figures can be attributed
 * to a place (overview, SNR / RSSI, hash sizes and collisions, topology,
 * nodes, my repeaters, clock health — and Distance, whose endpoint honours
 * it too); on the other tabs the selector gives way to a note saying the
 * selected area does not apply there. The key stays in the URL across tabs.
 *
 * @module
 */

import { areaField, areaList } from "./area_filter.ts";
import { h, link } from "./dom.ts";
import { buildHash, go } from "./router.ts";

/** Keys of the page's built-in tabs that honour the area (the module tabs say so themselves). */
export const BUILTIN_AREA_TABS: ReadonlySet<string> = new Set(["overview", "rf", "hashes"]);

/**
 * The toolbar control for tab `aware`-ness: the area selector on tabs that
 * honour it (hidden when no area is configured); on the others, nothing, or
 * a note with a link back to all areas when an area is selected.
 */
export function analyticsAreaControl(
  q: Record<string, string>,
  aware: boolean,
): HTMLElement | null {
  const key = q.area ?? "";
  if (aware) {
    return areaField(key, (k) => go(buildHash("/analytics", { ...q, area: k || undefined })));
  }
  if (!key) return null;
  const name = h("b", null, key);
  areaList().then((areas) => {
    const a = areas.find((x) => x.key === key);
    if (a?.label) name.textContent = a.label;
  });
  return h(
    "span",
    { class: "area-note mut" },
    "Area ",
    name,
    " does not apply to this tab: it covers every area. ",
    link(buildHash("/analytics", { ...q, area: undefined }), "Clear the area"),
  );
}

/**
 * Whether `key` is a configured area ("" counts as valid: no area). Tabs are
 * not asked to compute for an unknown key (an old link): the page says so.
 */
export async function knownArea(key: string): Promise<boolean> {
  if (!key) return true;
  return (await areaList()).some((a) => a.key === key);
}
