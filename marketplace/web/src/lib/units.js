// Units between the API (integers: W, Wh, var, s, micro-degrees, Unix seconds UTC) and people
// (kW, kWh, kVAR, minutes, degrees, UTC dates), converted exactly: decimal strings, no floats
// on the way in or out. (Charts plot floats; what they show in text comes from here.)

/** "12.345" for 12345 with 3 decimals (exact; trailing zeros trimmed). */
export function scaled(value, decimals) {
  const v = BigInt(value);
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const unit = 10n ** BigInt(decimals);
  let fraction = (abs % unit).toString().padStart(decimals, "0").replace(/0+$/, "");
  const whole = (abs / unit).toLocaleString("en-GB");
  return `${negative ? "−" : ""}${whole}${fraction ? "." + fraction : ""}`;
}

/** Integer of `text` × 10^decimals, exactly; throws RangeError with a readable message. */
export function parseScaled(text, decimals, { what = "value", unit = "", signed = false } = {}) {
  const cleaned = String(text).trim().replace(/[\s_,]/g, "").replace(/^−/, "-");
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match || (match[1] && !signed)) {
    throw new RangeError(`${what}: “${text}” is not a ${signed ? "" : "non-negative "}number${unit ? " of " + unit : ""}.`);
  }
  const fraction = match[3] ?? "";
  if (fraction.replace(/0+$/, "").length > decimals) {
    const smallest = decimals === 0 ? "whole numbers" : `at most ${decimals} decimals`;
    throw new RangeError(`${what}: “${text}” is more precise than the API stores (${smallest}${unit ? " of " + unit : ""}).`);
  }
  const digits = BigInt(match[2] + (fraction + "0".repeat(decimals)).slice(0, decimals));
  const value = match[1] ? -digits : digits;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${what}: “${text}” is too large.`);
  }
  return Number(value);
}

export const formatKW = (w) => (w === null || w === undefined ? "" : `${scaled(w, 3)} kW`);
export const formatKWh = (wh) => (wh === null || wh === undefined ? "" : `${scaled(wh, 3)} kWh`);
export const formatKVAR = (varValue) => (varValue === null || varValue === undefined ? "" : `${scaled(varValue, 3)} kVAR`);
export const formatDegrees = (udeg) => (udeg === null || udeg === undefined ? "" : `${scaled(udeg, 6)}°`);
export const formatKV = (v) => `${scaled(v, 3)} kV`;

export const parseKW = (text, what = "Power") => parseScaled(text, 3, { what, unit: "kW" }); // → W
export const parseKWh = (text, what = "Energy") => parseScaled(text, 3, { what, unit: "kWh" }); // → Wh
export const parseKVAR = (text, what = "Reactive power") => parseScaled(text, 3, { what, unit: "kVAR" }); // → var
export const parseDegrees = (text, what = "Coordinate") => parseScaled(text, 6, { what, unit: "degrees", signed: true }); // → µdeg
export const parseWholeNumber = (text, what = "Value", signed = false) => parseScaled(text, 0, { what, signed });

/** Minutes typed by a person → seconds (exact: "2.5" → 150; "0.01" is refused). */
export function parseMinutes(text, what = "Duration") {
  const hundredths = parseScaled(text, 2, { what, unit: "minutes" }); // minutes × 100
  if ((hundredths * 60) % 100 !== 0) throw new RangeError(`${what}: “${text}” minutes is not a whole number of seconds.`);
  return (hundredths * 60) / 100;
}
/** Seconds as minutes when exact to 1/100 minute ("2.5 min"), else as seconds ("7 s"). */
export function formatMinutes(s) {
  if (s === null || s === undefined) return "";
  return (s * 100) % 60 === 0 ? `${scaled((s * 100) / 60, 2)} min` : `${s} s`;
}

/** "2026-06-01 17:00 UTC" for Unix seconds. */
export function formatTime(unix, { seconds = false } = {}) {
  if (unix === null || unix === undefined) return "";
  const iso = new Date(unix * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)} UTC`;
}

/** "2026-06-01" (UTC) for Unix seconds. */
export const formatDate = (unix) => new Date(unix * 1000).toISOString().slice(0, 10);

/** Unix seconds of a UTC date and time typed as "YYYY-MM-DD HH:MM" (or "YYYY-MM-DD"). */
export function parseUtc(text, what = "Time") {
  const match = /^(\d{4}-\d\d-\d\d)(?:[ T](\d\d:\d\d))?$/.exec(String(text).trim());
  const value = match ? Date.parse(`${match[1]}T${match[2] ?? "00:00"}:00Z`) / 1000 : NaN;
  if (!Number.isFinite(value)) throw new RangeError(`${what}: “${text}” is not a UTC date and time as YYYY-MM-DD HH:MM.`);
  return value;
}
