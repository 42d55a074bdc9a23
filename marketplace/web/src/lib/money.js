// Money in the browser: token base units as BigInt, never floats (1 EUR = 1,000,000 base units).
// Formatting groups thousands and shows at least 2 and at most 6 decimals, exactly.

export const DECIMALS = 6;
export const UNIT = 10n ** BigInt(DECIMALS);

const grouping = new Intl.NumberFormat("en-GB", { useGrouping: true, maximumFractionDigits: 0 });

/** "1,234.50 EUR" for 1234500000n base units (exact; BigInt in, string out). */
export function formatEUR(baseUnits, { currency = "EUR", minDecimals = 2 } = {}) {
  const value = BigInt(baseUnits);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / UNIT;
  let fraction = (abs % UNIT).toString().padStart(DECIMALS, "0");
  while (fraction.length > minDecimals && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
  const text = `${grouping.format(whole)}${fraction ? "." + fraction : ""}`;
  return `${negative ? "−" : ""}${text}${currency ? " " + currency : ""}`;
}

/** Base units (BigInt) of a euro amount typed by a person: "12", "12.5", "1,234.567891".
 * Throws RangeError with a readable message on anything else (more than 6 decimals too). */
export function parseEUR(text, { allowZero = true } = {}) {
  const cleaned = String(text).trim().replace(/[\s,_]/g, "");
  const match = /^(\d+)(?:\.(\d*))?$/.exec(cleaned);
  if (!match) throw new RangeError(`“${text}” is not an amount in euros (digits, optionally a point and up to ${DECIMALS} decimals).`);
  const fraction = match[2] ?? "";
  if (fraction.length > DECIMALS) throw new RangeError(`“${text}” has more than ${DECIMALS} decimals; the euro token has ${DECIMALS}.`);
  const units = BigInt(match[1]) * UNIT + BigInt((fraction + "0".repeat(DECIMALS)).slice(0, DECIMALS));
  if (!allowZero && units === 0n) throw new RangeError("The amount must be more than zero.");
  return units;
}

/** A non-negative whole number typed by a person (Wh, ids) as BigInt. */
export function parseWhole(text, what = "value") {
  const cleaned = String(text).trim().replace(/[\s,_]/g, "");
  if (!/^\d+$/.test(cleaned)) throw new RangeError(`The ${what} must be a whole number, not “${text}”.`);
  return BigInt(cleaned);
}
