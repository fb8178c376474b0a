/**
 * Applies the theme and branding the server serves at `/api/config/theme`
 * (CoreScope's `theme`, `themeDark` and `branding` configuration keys).
 *
 * The server fills in CoreScope's built-in values for keys the operator did
 * not set; those are skipped so hopwatch keeps its own light/dark look unless
 * the operator asked for something. Colours are checked with `CSS.supports`,
 * names are set as text, and URLs must be http(s) or site-relative paths.
 *
 * @module
 */

/** The served shape (every part optional). */
export interface ThemeConfig {
  branding?: Record<string, unknown>;
  theme?: Record<string, unknown>;
  themeDark?: Record<string, unknown>;
}

/** CoreScope's built-in values: served when the operator set nothing, so not applied. */
const SERVER_DEFAULTS: Record<string, string> = {
  accent: "#4a9eff",
  accentHover: "#6db3ff",
  navBg: "#0f0f23",
  navBg2: "#1a1a2e",
  siteName: "hopwatch",
  tagline: "MeshCore packet analyzer",
};

/** Theme keys and the CSS variables they set. */
const VARS: Record<string, string> = {
  accent: "--acc",
  navBg: "--nav-bg",
  navActiveBg: "--nav-active",
  navText: "--nav-fg",
  statusGreen: "--ok",
  statusYellow: "--warn",
  statusRed: "--bad",
  background: "--bg",
  surface1: "--panel",
  surface2: "--panel2",
  text: "--fg",
  textMuted: "--mut",
  border: "--line",
};

function color(v: unknown): string | null {
  return typeof v === "string" && v.length < 64 && CSS.supports("color", v) ? v : null;
}

/** A URL safe to load: http(s) absolute or a site-relative path (not `//host`). */
export function safeUrl(v: unknown): string | null {
  if (typeof v !== "string" || !v) return null;
  if (/^https?:\/\//i.test(v)) return v;
  return v.startsWith("/") && !v.startsWith("//") ? v : null;
}

/** Relative luminance (0 dark … 1 light) of a colour the browser understands. */
function luminance(c: string): number {
  const probe = document.createElement("span");
  probe.style.color = c;
  document.body.appendChild(probe);
  const m = getComputedStyle(probe).color.match(/[\d.]+/g)?.map(Number) ?? [255, 255, 255];
  probe.remove();
  const [r, g, b] = m.map((x) => {
    const s = x / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The CSS variables a theme object sets (defaults skipped, bad colours dropped). */
export function themeVars(theme: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, cssVar] of Object.entries(VARS)) {
    const v = color(theme?.[key]);
    if (v && SERVER_DEFAULTS[key]?.toLowerCase() !== v.toLowerCase()) out[cssVar] = v;
  }
  return out;
}

/** Applies branding (site name, tagline, logo) and theme colours to the page. */
export function applyTheme(cfg: ThemeConfig | null | undefined): void {
  if (!cfg) return;
  const dark = matchMedia("(prefers-color-scheme: dark)").matches;
  const vars = { ...themeVars(cfg.theme), ...(dark ? themeVars(cfg.themeDark) : {}) };
  const root = document.documentElement.style;
  for (const [k, v] of Object.entries(vars)) root.setProperty(k, v);
  if (vars["--nav-bg"]) {
    // Text and the active link's pill follow the nav background's lightness.
    const darkNav = luminance(vars["--nav-bg"]) < 0.4;
    if (!vars["--nav-fg"]) root.setProperty("--nav-fg", darkNav ? "#f0f3f6" : "#1c2128");
    if (!vars["--nav-active"]) {
      root.setProperty("--nav-active", darkNav ? "rgb(255 255 255 / 18%)" : "rgb(0 0 0 / 8%)");
    }
  }
  const b = cfg.branding ?? {};
  const name = typeof b.siteName === "string" ? b.siteName.trim().slice(0, 60) : "";
  const brand = document.querySelector<HTMLElement>(".top .brand");
  if (name && name !== SERVER_DEFAULTS.siteName) {
    document.title = name;
    const label = brand?.querySelector(".brand-name");
    if (label) label.textContent = name;
  }
  if (brand && typeof b.tagline === "string") brand.title = b.tagline.slice(0, 200);
  const logo = safeUrl(b.logoUrl);
  const logoEl = brand?.querySelector<HTMLElement>(".logo");
  if (logo && logoEl) {
    const img = document.createElement("img");
    img.src = logo;
    img.alt = "";
    img.className = "logo-img";
    logoEl.replaceWith(img);
  }
}
