// Reading checks as the user types: the same rules as chalicelib/readings/rules.py (digit capacity,
// at most two decimals, rollover past 10^digits, consumption = difference × coefficient), so the
// «Разность» and «Расход» shown while typing match what the server will compute. The server stays the
// judge: the page always sends what was typed and shows the server's answer.
//
// Exact decimal arithmetic: a value is {n, s} meaning n / 10^s, n an integer held by big.js (BigInt is
// missing in Safari before 14 and Chrome before 67); the scale is kept so "220.0" stays "220.0".

import Big from "big.js";

const MAX_DECIMALS = 2;
const NUMBER = /^(\d+)(?:[.,](\d+))?$/;
const NEGATIVE = /^[-−]\d/;

export const ROLLOVER_QUESTION = "Переход электросчётчика через ноль?";

function dec(text) {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(String(text));
  if (!m) return null;
  return { n: new Big(m[1] + (m[2] || "")), s: (m[2] || "").length };
}

function scaled(a, s) {
  return a.n.times(new Big(10).pow(s - a.s));
}

function align(a, b) {
  const s = Math.max(a.s, b.s);
  return [scaled(a, s), scaled(b, s), s];
}

const sub = (a, b) => {
  const [x, y, s] = align(a, b);
  return { n: x.minus(y), s };
};
const add = (a, b) => {
  const [x, y, s] = align(a, b);
  return { n: x.plus(y), s };
};
const mul = (a, b) => ({ n: a.n.times(b.n), s: a.s + b.s });
const cmp = (a, b) => {
  const [x, y] = align(a, b);
  return x.cmp(y);
};

// Back to the API's string form ("165", "220.0"); formatNumber() turns it into Russian notation.
export function decString(a) {
  const negative = a.n.lt(0);
  const digits = a.n.abs().toFixed().padStart(a.s + 1, "0");
  const text = a.s ? `${digits.slice(0, -a.s)}.${digits.slice(-a.s)}` : digits;
  return negative ? `-${text}` : text;
}

// What the user typed → {value} or {error}. Whitespace is ignored ("74 525"), "," or "." separates
// the fraction; leading zeros do not count against the digit capacity ("00123" on a 5-digit meter).
export function parseReading(raw, digits) {
  const text = String(raw).replace(/\s+/g, "");
  if (!text) return { empty: true };
  if (NEGATIVE.test(text)) return { error: "Показание не может быть отрицательным" };
  const m = NUMBER.exec(text);
  if (!m) return { error: "Показание должно быть числом, например 12345 или 12345,6" };
  if (m[2] !== undefined && m[2].length > MAX_DECIMALS) {
    return { error: `После запятой допускается не больше ${MAX_DECIMALS} знаков` };
  }
  const whole = dec(m[1]);
  if (cmp(whole, { n: new Big(10).pow(Number(digits)), s: 0 }) >= 0) {
    return { error: `Показание содержит больше цифр, чем разрядность счётчика (${digits})` };
  }
  return { value: dec(m[2] === undefined ? m[1] : `${m[1]}.${m[2]}`) };
}

// One zone: {empty} | {error} | {difference, consumption, rollover, firstReading}. A rollover is only
// offered when it explains the value as the smaller move (at most half the meter's range), as on the
// server; `rollover: true` means the user will be asked «Переход электросчётчика через ноль?».
export function evaluateZone(raw, previous, digits, coefficient) {
  const parsed = parseReading(raw, digits);
  if (parsed.empty || parsed.error) return parsed;
  const value = parsed.value;
  const prior = previous === null || previous === undefined ? null : dec(previous);
  const factor = dec(coefficient);
  if (!prior || !factor) return { value, firstReading: true };
  const capacity = { n: new Big(10).pow(Number(digits)), s: 0 };
  let difference;
  let rollover = false;
  if (cmp(value, prior) >= 0) {
    difference = sub(value, prior);
  } else {
    const wrapped = sub(add(capacity, value), prior);
    if (cmp(prior, capacity) < 0 && cmp(mul(wrapped, { n: new Big(2), s: 0 }), capacity) <= 0) {
      difference = wrapped;
      rollover = true;
    } else {
      return {
        error: "Показание меньше предыдущего, и переход счётчика через ноль этого не объясняет. Проверьте показание",
      };
    }
  }
  return { value, difference: decString(difference), consumption: decString(mul(difference, factor)), rollover };
}

// Sum of API decimal strings, or null when any is missing (a partial total would understate consumption).
export function total(amounts) {
  let sum = { n: new Big(0), s: 0 };
  for (const amount of amounts) {
    const a = amount === null || amount === undefined ? null : dec(amount);
    if (!a) return null;
    sum = add(sum, a);
  }
  return decString(sum);
}

// Tariff zone names as printed on Russian multi-tariff meters and bills.
const ZONE_NAMES = {
  1: { T1: "" },
  2: { T1: "день", T2: "ночь" },
  3: { T1: "пик", T2: "ночь", T3: "полупик" },
};

export function zoneTitle(zone, zones) {
  const name = ZONE_NAMES[zones.length]?.[zone];
  const code = zone.replace("T", "Т");
  return name ? `${code} — ${name}` : code;
}

export function tariffTitle(zones) {
  return { 1: "Однотарифный", 2: "Двухтарифный (день, ночь)", 3: "Трёхтарифный (пик, ночь, полупик)" }[zones.length] || "";
}
