/**
 * A small shape language for contract tests: a spec is a type name
 * (`"number"`, `"string"`, `"boolean"`, `"object"`, `"array"`, `"any"`; a
 * trailing `?` also accepts null), an object of specs (every key present),
 * `{"*": spec}` (every value of a dynamic-key object) or `[spec]` (every
 * element, checked on the first 20).
 *
 * @module
 */

/** A shape spec (see the module doc). */
export type Spec = string | Spec[] | { [key: string]: Spec };

/** Mismatches of `value` against `spec`, as `path: problem` lines. */
export function checkShape(spec: Spec, value: unknown, path = "$"): string[] {
  if (typeof spec === "string") {
    const nullable = spec.endsWith("?");
    const want = nullable ? spec.slice(0, -1) : spec;
    if (value === null) return nullable || want === "any" ? [] : [`${path}: null, want ${want}`];
    const got = Array.isArray(value) ? "array" : typeof value;
    if (want === "any" || got === want) return [];
    if (want === "number" && got === "number" && !Number.isFinite(value)) {
      return [`${path}: not finite`];
    }
    return [`${path}: ${got}, want ${want}`];
  }
  if (Array.isArray(spec)) {
    if (!Array.isArray(value)) return [`${path}: not an array`];
    return value.slice(0, 20).flatMap((v, i) => checkShape(spec[0], v, `${path}[${i}]`));
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [`${path}: not an object`];
  }
  const obj = value as Record<string, unknown>;
  if ("*" in spec && Object.keys(spec).length === 1) {
    return Object.entries(obj).slice(0, 20).flatMap(([k, v]) =>
      checkShape(spec["*"], v, `${path}.${k}`)
    );
  }
  return Object.entries(spec).flatMap(([k, s]) =>
    k in obj ? checkShape(s, obj[k], `${path}.${k}`) : [`${path}.${k}: missing`]
  );
}
