/* The rules engine in the browser: the same rules language, answers validation and evaluation
 * document as the Python engine (checklist/values.py, calculators.py, expressions.py, engine.py,
 * answers.py), so the page can give the verdict while the server is unreachable. Python is the
 * reference: tests/test_parity.py runs both on every vignette and thousands of generated answer
 * sets and requires identical documents, so each function here mirrors its Python namesake.
 *
 * Plain ES2020, one file, no dependencies: a classic <script> defines `ChecklistEngine`, and Node's
 * require() returns the same object.
 *
 *   const trial = ChecklistEngine.createTrial(rules, dictionary, rulesVersion);
 *   const {errors, evaluation} = ChecklistEngine.evaluateAnswers(trial, answers, "2026-06-15", confirmed);
 *
 * `confirmed` (optional) lists the facts whose implausible value a clinician has confirmed.
 * Numbers are exact rationals (BigInt numerator and denominator), as Python's fractions.Fraction:
 * a JSON number is the decimal its shortest digits say (0.1 is 1/10, as Fraction(repr(0.1))).
 * Answers are JSON data, read as the server reads what JSON.stringify sends: an integral number
 * below 1e21 is an int to Python and any other number a float, which only shows in the wording of
 * some error messages. Known limits, all beyond any clinical value: an integer of 1e21 or more in
 * the document becomes a float in JSON; in an error message that quotes a refused value, Unicode
 * characters newer than Python 3.11's tables may be escaped differently, and an object's keys that
 * look like integers come first (JavaScript's order). The data dictionary keywords are those of
 * rules.UNDERSTOOD_KEYWORDS (the server refuses a dictionary with others); the JSON Schema
 * validator the server runs after its own parsing is not repeated here.
 */
(function (engine) {
  "use strict";

  const NUMBER_LIMIT = 10n ** 9n; // answers.NUMBER_LIMIT
  const FIRST_YEAR = 1900, LAST_YEAR = 2199; // answers.YEARS
  const MOST_COMBINATIONS = 64; // engine.MOST_COMBINATIONS
  // What Python's str.strip() removes (JavaScript's trim() differs at the edges).
  const PY_WHITESPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a"
    + "\\u2028\\u2029\\u202f\\u205f\\u3000";
  const TRAILING_SPACE = new RegExp(`[${PY_WHITESPACE}]+$`);
  const LEADING_SPACE = new RegExp(`^[${PY_WHITESPACE}]+`);
  const rstrip = (text) => text.replace(TRAILING_SPACE, "");

  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  /** object[key] only when it is the object's own: answers name keys such as "constructor". */
  const own = (object, key) => (object && hasOwn(object, key) ? object[key] : undefined);
  const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
  /** Whether Python's json reads this number as an int (JSON.stringify writes it without a point). */
  const isPythonInt = (number) => Number.isInteger(number) && Math.abs(number) < 1e21;
  const unique = (items) => [...new Set(items)];

  /* ---------- Exact rational numbers: Python's fractions.Fraction ---------- */

  const absolute = (n) => (n < 0n ? -n : n);
  function gcd(a, b) {
    a = absolute(a);
    b = absolute(b);
    while (b) [a, b] = [b, a % b];
    return a;
  }
  /** Python's // on integers: rounds towards minus infinity. */
  function floorDivide(n, d) {
    const q = n / d;
    return (n % d !== 0n && (n < 0n) !== (d < 0n)) ? q - 1n : q;
  }
  const bitLength = (n) => (n === 0n ? 0 : n.toString(2).length);

  /** Decimal text ("1.5", "-2e-7", ".5") as [negative, BigInt digits, base-10 exponent], or null. */
  function decimalParts(text) {
    const match = /^([+-]?)(?=\d|\.\d)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!match) return null;
    const fraction = match[3] || "";
    return [match[1] === "-", BigInt(`${match[2]}${fraction}` || "0"), Number(match[4] || 0) - fraction.length];
  }

  class Rational {
    /** numerator / denominator, BigInts; normalised (lowest terms, positive denominator). */
    constructor(numerator, denominator = 1n) {
      if (denominator === 0n) throw new RangeError("Fraction(n, 0)");
      if (denominator < 0n) [numerator, denominator] = [-numerator, -denominator];
      const divisor = gcd(numerator, denominator);
      if (divisor > 1n) [numerator, denominator] = [numerator / divisor, denominator / divisor];
      this.n = numerator;
      this.d = denominator;
    }

    /** values.to_number: a Rational, BigInt, JSON number, numeric string or boolean as a Rational. */
    static of(value) {
      if (value instanceof Rational) return value;
      if (typeof value === "bigint") return new Rational(value);
      if (typeof value === "boolean") return new Rational(value ? 1n : 0n);
      if (typeof value === "number") {
        if (!Number.isFinite(value)) throw new RangeError(`cannot convert ${value} to a Fraction`);
        // As Fraction(repr(float)): the shortest digits that give the number back, what was typed.
        return isPythonInt(value) ? new Rational(BigInt(value)) : Rational.parse(String(value));
      }
      if (typeof value === "string") return Rational.parse(value);
      throw new TypeError(`not a number: ${pythonRepr(value)}`);
    }

    /** Fraction(text) for a decimal number ("0.45359237", " 1e-07 "). */
    static parse(text) {
      const parts = decimalParts(text.replace(LEADING_SPACE, "").replace(TRAILING_SPACE, ""));
      if (!parts) throw new SyntaxError(`Invalid literal for Fraction: ${pythonRepr(text)}`);
      const [negative, digits, exponent] = parts;
      const signed = negative ? -digits : digits;
      return exponent >= 0 ? new Rational(signed * 10n ** BigInt(exponent))
        : new Rational(signed, 10n ** BigInt(-exponent));
    }

    /** Fraction.from_float: the exact binary value of a double (what Python's == compares with). */
    static fromDouble(number) {
      if (isPythonInt(number)) return new Rational(BigInt(number));
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, number);
      const bits = view.getBigUint64(0);
      const negative = bits >> 63n === 1n;
      const biased = Number((bits >> 52n) & 0x7ffn);
      let mantissa = bits & ((1n << 52n) - 1n);
      let exponent = biased - 1075;
      if (biased === 0) exponent = -1074;
      else mantissa |= 1n << 52n;
      if (negative) mantissa = -mantissa;
      return exponent >= 0 ? new Rational(mantissa << BigInt(exponent)) : new Rational(mantissa, 1n << BigInt(-exponent));
    }

    plus(other) {
      other = Rational.of(other);
      return new Rational(this.n * other.d + other.n * this.d, this.d * other.d);
    }

    minus(other) {
      other = Rational.of(other);
      return new Rational(this.n * other.d - other.n * this.d, this.d * other.d);
    }

    times(other) {
      other = Rational.of(other);
      return new Rational(this.n * other.n, this.d * other.d);
    }

    dividedBy(other) {
      other = Rational.of(other);
      if (other.n === 0n) throw new RangeError(`Fraction(${this.n}, 0)`);
      return new Rational(this.n * other.d, this.d * other.n);
    }

    /** -1, 0 or 1; exact. */
    compare(other) {
      other = Rational.of(other);
      const left = this.n * other.d;
      const right = other.n * this.d;
      return left < right ? -1 : left > right ? 1 : 0;
    }

    isZero() { return this.n === 0n; }

    isInteger() { return this.d === 1n; }

    abs() { return new Rational(absolute(this.n), this.d); }

    /** math.floor: a BigInt. */
    floor() { return floorDivide(this.n, this.d); }

    /** math.ceil: a BigInt. */
    ceil() { return -floorDivide(-this.n, this.d); }

    /** round(self): a BigInt, half to even. */
    round() {
      const floor = this.floor();
      const twice = 2n * (this.n - floor * this.d);
      if (twice < this.d) return floor;
      if (twice > this.d) return floor + 1n;
      return floor % 2n === 0n ? floor : floor + 1n;
    }

    /** round(self, digits): a Rational, half to even. */
    roundTo(digits) {
      const scale = 10n ** BigInt(digits);
      return new Rational(this.times(scale).round(), scale);
    }

    /** float(self): the nearest double, ties to even (or the number itself when integral). */
    toNumber() {
      if (this.d === 1n) return Number(this.n);
      const negative = this.n < 0n;
      const n = absolute(this.n);
      // 55 bits of quotient at least, then round to 53 with a sticky bit.
      let shift = 55 - (bitLength(n) - bitLength(this.d));
      const scaled = shift >= 0 ? n << BigInt(shift) : n;
      const divisor = shift >= 0 ? this.d : this.d << BigInt(-shift);
      let quotient = scaled / divisor;
      let sticky = scaled % divisor !== 0n;
      while (bitLength(quotient) > 54) {
        sticky = sticky || (quotient & 1n) === 1n;
        quotient >>= 1n;
        shift -= 1;
      }
      const half = (quotient & 1n) === 1n;
      quotient >>= 1n;
      shift -= 1;
      if (half && (sticky || (quotient & 1n) === 1n)) quotient += 1n;
      const value = Number(quotient) * 2 ** -shift;
      return negative ? -value : value;
    }

    /** str(self) as Python writes a Fraction: 7 or 7/2. */
    toString() { return this.d === 1n ? this.n.toString() : `${this.n}/${this.d}`; }
  }

  const ZERO = new Rational(0n);
  const ONE = new Rational(1n);

  const FACTORS = new Map();
  /** values.exact_factor: a unit factor, a number or a string such as "1/17.1" for an exact ratio. */
  function exactFactor(factor) {
    if (typeof factor !== "string") return Rational.of(factor);
    if (!FACTORS.has(factor)) {
      const match = /^\s*([0-9.eE+-]+)\s*(?:\/\s*([0-9.eE+-]+)\s*)?$/.exec(factor);
      if (!match) throw new RulesError(`not a unit factor: ${pythonRepr(factor)}`);
      FACTORS.set(factor, Rational.parse(match[1]).dividedBy(Rational.parse(match[2] || "1")));
    }
    return FACTORS.get(factor);
  }

  /** A measured value in the canonical unit that remembers the unit it was entered in. */
  class Quantity extends Rational {
    constructor(entered, unit, factor = 1) {
      factor = exactFactor(factor);
      const value = Rational.of(entered).times(factor);
      super(value.n, value.d);
      this.unit = unit;
      this.factor = factor;
    }

    /** The number as it was entered, in its own unit. */
    get entered() { return new Rational(this.n, this.d).dividedBy(this.factor); }
  }

  /* ---------- Calendar dates, as Python's datetime.date ---------- */

  const isLeap = (year) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = (year, month) => [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];

  // Howard Hinnant's days_from_civil and civil_from_days: proleptic Gregorian, day 0 = 1970-01-01.
  function daysFromCivil(year, month, day) {
    const y = month <= 2 ? year - 1 : year;
    const era = Math.floor(y / 400);
    const yearOfEra = y - era * 400;
    const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
    const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
    return era * 146097 + dayOfEra - 719468;
  }

  function civilFromDays(days) {
    const z = days + 719468;
    const era = Math.floor(z / 146097);
    const dayOfEra = z - era * 146097;
    const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524)
      - Math.floor(dayOfEra / 146096)) / 365);
    const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
    const shifted = Math.floor((5 * dayOfYear + 2) / 153);
    const month = shifted + (shifted < 10 ? 3 : -9);
    return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1];
  }

  class Day {
    /** A date in 1..9999, like datetime.date (which raises outside it). */
    constructor(year, month, day) {
      if (!(year >= 1 && year <= 9999)) throw new RangeError(`year ${year} is out of range`);
      if (!(month >= 1 && month <= 12) || !(day >= 1 && day <= daysInMonth(year, month))) {
        throw new RangeError("day is out of range for month");
      }
      this.year = year;
      this.month = month;
      this.day = day;
      this.days = daysFromCivil(year, month, day);
    }

    static fromDays(days) { return new Day(...civilFromDays(days)); }

    plusDays(count) { return Day.fromDays(this.days + count); }

    iso() {
      const pad = (number, width) => String(number).padStart(width, "0");
      return `${pad(this.year, 4)}-${pad(this.month, 2)}-${pad(this.day, 2)}`;
    }
  }

  /** A YYYY-MM-DD string as a Day, or null when it is not a real calendar date. */
  function parseIsoDate(text) {
    const match = typeof text === "string" && /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text);
    if (!match) return null;
    try {
      return new Day(Number(match[1]), Number(match[2]), Number(match[3]));
    } catch (error) {
      if (error instanceof RangeError) return null;
      throw error;
    }
  }

  /** values.months_before: the same day `months` calendar months earlier, clamped to month end. */
  function monthsBefore(day, months) {
    const index = day.year * 12 + day.month - 1 - months;
    const year = Math.floor(index / 12);
    const month = index - year * 12 + 1;
    const nextMonth = new Day(year + (month === 12 ? 1 : 0), month % 12 + 1, 1);
    return new Day(year, month, Math.min(day.day, nextMonth.plusDays(-1).day));
  }

  // values.WINDOW_UNITS: days in one; null: calendar months; hours in whole days (24 to a day).
  const WINDOW_UNITS = {days: 1, weeks: 7, months: null, years: null, hours: 1 / 24};

  /** values.window_length: [unit, count] of a window. */
  function windowLength(window) {
    return Object.entries(window).find(([unit]) => hasOwn(WINDOW_UNITS, unit));
  }

  /** values.window_start: the boundary day of a window of N days, weeks, months or years ending on `end`. */
  function windowStart(end, window) {
    const [unit, count] = windowLength(window);
    if (WINDOW_UNITS[unit] === null) return monthsBefore(end, count * (unit === "years" ? 12 : 1));
    return end.plusDays(-windowDays(unit, count));
  }

  /** A fixed-length window in whole days (hours come in multiples of 24). */
  function windowDays(unit, count) {
    return unit === "hours" ? Math.trunc(count / 24) : count * WINDOW_UNITS[unit];
  }

  /** values.boundary_counts: whether a window's boundary day is inside it. */
  function boundaryCounts(window) {
    return hasOwn(window, "boundary") ? window.boundary === "included" : !hasOwn(window, "hours");
  }

  /** values.first_day_in: the first day inside a window that ends on `end`. */
  function firstDayIn(end, window) {
    return windowStart(end, window).plusDays(boundaryCounts(window) ? 0 : 1);
  }

  /** values.window_lapses: the first assessment date whose window no longer contains `day`. */
  function windowLapses(day, window) {
    const [unit, count] = windowLength(window);
    if (WINDOW_UNITS[unit] !== null) return day.plusDays(windowDays(unit, count) + (boundaryCounts(window) ? 1 : 0));
    return firstAssessmentWhen(day, window, (end) => firstDayIn(end, window).days > day.days);
  }

  /** values.window_reached: the first assessment date on which `day` is at least the window
   * before it (more than that with "boundary": "excluded"). */
  function windowReached(day, window) {
    const [unit, count] = windowLength(window);
    if (WINDOW_UNITS[unit] !== null) return day.plusDays(windowDays(unit, count) + (boundaryCounts(window) ? 0 : 1));
    return firstAssessmentWhen(day, window, (end) => {
      const start = windowStart(end, window).days;
      return start > day.days || (start === day.days && boundaryCounts(window));
    });
  }

  /** values._first_assessment_when: searched from a few days before the earliest it can be. */
  function firstAssessmentWhen(day, window, reached) {
    const [unit, count] = windowLength(window);
    let candidate = day.plusDays(Math.max(1, (unit === "years" ? 365 : 28) * count - 3));
    while (!reached(candidate)) candidate = candidate.plusDays(1);
    return candidate;
  }

  function describeWindow(window) {
    const [unit, count] = windowLength(window);
    return `${pythonRepr(count)} ${count !== 1 ? unit : unit.replace(/s+$/, "")}`;
  }

  /* ---------- Python's wording of values ---------- */

  /** A number known only to lie between low and high (inclusive): a partly answered score. */
  class Range {
    constructor(low, high, note = "") {
      this.low = low;
      this.high = high;
      this.note = note;
    }
  }

  /** repr(float): shortest digits, exponent form below 1e-4 and from 1e16. */
  function floatRepr(number) {
    if (Number.isNaN(number)) return "nan";
    if (!Number.isFinite(number)) return number > 0 ? "inf" : "-inf";
    const [, coefficient, power] = decimalParts(String(Math.abs(number)));
    const written = coefficient.toString();
    const digits = written.replace(/0+$/, "") || "0";
    const exponent = power + written.length - 1; // of the first digit
    const sign = number < 0 || Object.is(number, -0) ? "-" : "";
    if (exponent < -4 || exponent >= 16) {
      const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
      return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
    }
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
    const whole = digits.padEnd(exponent + 1, "0");
    return `${sign}${whole.slice(0, exponent + 1)}.${whole.slice(exponent + 1) || "0"}`;
  }

  // str.isprintable() is false for these categories (the space excepted).
  const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
  const ESCAPES = { "\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\" };

  function stringRepr(text) {
    const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
    let out = quote;
    for (const character of text) {
      const code = character.codePointAt(0);
      const hex = (width) => code.toString(16).padStart(width, "0");
      if (character === quote) out += "\\" + character;
      else if (hasOwn(ESCAPES, character)) out += ESCAPES[character];
      else if (code < 0x20 || code === 0x7f) out += "\\x" + hex(2);
      else if (code < 0x7f || character === " " || !UNPRINTABLE.test(character)) out += character;
      else out += code <= 0xff ? "\\x" + hex(2) : code <= 0xffff ? "\\u" + hex(4) : "\\U" + hex(8);
    }
    return out + quote;
  }

  /** repr() of JSON data as Python holds it (str, int, float, True, None, list, dict). */
  function pythonRepr(value) {
    if (value === null || value === undefined) return "None";
    if (typeof value === "boolean") return value ? "True" : "False";
    if (typeof value === "number") return isPythonInt(value) ? BigInt(value).toString() : floatRepr(value);
    if (typeof value === "string") return stringRepr(value);
    if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
    const items = Object.entries(value).map(([key, item]) => `${stringRepr(key)}: ${pythonRepr(item)}`);
    return `{${items.join(", ")}}`;
  }

  /** str() of a value in an f-string: a number of the rules as Python writes it, a Rational as a Fraction. */
  function pythonStr(value) {
    if (value instanceof Rational) return value.toString();
    return typeof value === "string" ? value : pythonRepr(value);
  }

  const ROUNDINGS = { // values.ROUNDINGS: how a number is brought to a number of decimals
    half_even: (number) => number.round(),
    down: (number) => number.floor(),
    up: (number) => number.ceil(),
  };

  /** values.format_number: thousands separators, at most `decimals` decimals, no trailing zeros. */
  function formatNumber(value, decimals = 2, rounding = "half_even") {
    const number = Rational.of(value);
    const scale = 10n ** BigInt(decimals);
    const scaled = ROUNDINGS[rounding](number.times(scale));
    const size = absolute(scaled);
    const fraction = size % scale;
    let text = (size / scale).toString().replace(/\B(?=(\d{3})+$)/g, ",");
    if (fraction) text += "." + fraction.toString().padStart(decimals, "0").replace(/0+$/, "");
    return (scaled < 0n ? "-" : "") + text;
  }

  /** values.format_compared: both sides as text, never contradicting the comparison's outcome. */
  function formatCompared(left, operator, right) {
    const truth = compare(operator, left, right);
    for (const decimals of [2, 3, 4, 5, 6]) {
      if (compare(operator, rounded(left, decimals), rounded(right, decimals)) === truth) {
        return [formatNumber(left, decimals), formatNumber(right, decimals)];
      }
    }
    const below = Rational.of(left).compare(right) < 0;
    return [formatNumber(left, 2, below ? "down" : "up"), formatNumber(right, 2, below ? "up" : "down")];
  }

  /** values.rounded: the number as formatNumber shows it. */
  function rounded(number, decimals, rounding = "half_even") {
    const scale = 10n ** BigInt(decimals);
    return new Rational(ROUNDINGS[rounding](Rational.of(number).times(scale)), scale);
  }

  const UNIT_WORDS = { "umol/L": "µmol/L", "10^9/L": "× 10⁹/L", "cells/mm3": "cells/mm³", "mL/min/1.73m2": "mL/min/1.73 m²" };

  /** values.show_unit: a unit as printed for people (µmol/L, × 10⁹/L). */
  const showUnit = (unit) => (hasOwn(UNIT_WORDS, unit) ? UNIT_WORDS[unit] : unit);

  /** values.format_value: a value as a clinician would read it; a Quantity in the unit it was entered in. */
  function formatValue(value, unit = "", choices = null) {
    if (typeof value === "boolean") return value ? "yes" : "no";
    if (value instanceof Range) return rstrip(`${formatNumber(value.low)} to ${formatNumber(value.high)} ${unit}`);
    if (value instanceof Quantity) return rstrip(`${formatNumber(value.entered)} ${showUnit(value.unit)}`);
    // A number of the rules that Python holds as a float is no int or Fraction: str() writes it.
    if (value instanceof Rational || (typeof value === "number" && isPythonInt(value))) {
      return rstrip(`${formatNumber(value)} ${showUnit(unit)}`);
    }
    if (value instanceof Day) return value.iso();
    if (choices && typeof value === "string" && hasOwn(choices, value)) return choices[value];
    return pythonStr(value);
  }

  /** values.plain: a value as JSON data (whole numbers int, others float, dates ISO strings). */
  function plain(value) {
    if (value instanceof Rational) return value.toNumber();
    if (value instanceof Day) return value.iso();
    return value;
  }

  /* ---------- Comparisons, three-valued over Ranges (values.compare) ---------- */

  /** A value as Python compares it: a bool is 0 or 1; a float of the rules its exact binary value. */
  function comparable(value) {
    if (typeof value === "boolean") return new Rational(value ? 1n : 0n);
    if (typeof value === "number") return Rational.fromDouble(value);
    return value;
  }

  /** Python's == between the values the engine holds. */
  function pythonEquals(left, right) {
    if (typeof left === "boolean" && typeof right === "boolean") return left === right;
    left = comparable(left);
    right = comparable(right);
    if (left instanceof Rational && right instanceof Rational) return left.compare(right) === 0;
    if (left instanceof Day && right instanceof Day) return left.days === right.days;
    return typeof left === "string" && left === right;
  }

  /** Python's ordering of two numbers or two dates; other pairs are a TypeError, as in Python. */
  function pythonOrder(left, right) {
    left = comparable(left);
    right = comparable(right);
    if (left instanceof Rational && right instanceof Rational) return left.compare(right);
    if (left instanceof Day && right instanceof Day) return Math.sign(left.days - right.days);
    throw new TypeError("these values cannot be ordered");
  }

  const COMPARISONS = {
    "==": (a, b) => pythonEquals(a, b),
    "!=": (a, b) => !pythonEquals(a, b),
    "<": (a, b) => pythonOrder(a, b) < 0,
    "<=": (a, b) => pythonOrder(a, b) <= 0,
    ">": (a, b) => pythonOrder(a, b) > 0,
    ">=": (a, b) => pythonOrder(a, b) >= 0,
  };

  const asRange = (value) => (value instanceof Range ? value : new Range(value, value));

  function compareRanges(operator, left, right) {
    if (operator === "==" || operator === "!=") {
      const overlap = COMPARISONS["<="](left.low, right.high) && COMPARISONS["<="](right.low, left.high);
      const single = [left.high, right.low, right.high].every((end) => pythonEquals(left.low, end));
      if (overlap && !single) return null;
      return operator === "==" ? overlap : !overlap;
    }
    // Ordering is monotone, so the corners of the two ranges decide it.
    const outcomes = new Set();
    for (const a of [left.low, left.high]) {
      for (const b of [right.low, right.high]) outcomes.add(COMPARISONS[operator](a, b));
    }
    return outcomes.size === 1 ? [...outcomes][0] : null;
  }

  /** True, false, or null when a Range straddles the answer. */
  function compare(operator, left, right) {
    if (left instanceof Range || right instanceof Range) return compareRanges(operator, asRange(left), asRange(right));
    return COMPARISONS[operator](left, right);
  }

  /* ---------- Calculators (calculators.py) ---------- */

  class Calculation {
    constructor(value = null, note = "") {
      this.value = value; // null when not yet known
      this.note = note; // how it was reached, for reasons and the summary
    }
  }

  /** A score adding points per input (Child-Pugh); partly answered gives the reachable Range. */
  function pointsSum(spec, context) {
    let low = 0;
    let high = 0;
    const known = [];
    const unanswered = [];
    for (const part of spec.parts) {
      const value = context.value(part.fact);
      if (value === null) {
        const options = partPoints(part);
        low += Math.min(...options);
        high += Math.max(...options);
        unanswered.push(part.label);
        continue;
      }
      const points = pointsFor(part, value, context);
      low += points;
      high += points;
      known.push(`${part.label} ${pythonRepr(points)}`);
    }
    let note = known.join(", ") + (known.length ? " points" : "");
    if (unanswered.length) {
      note = [note, "not yet answered: " + unanswered.join(", ")].filter(Boolean).join("; ");
      return new Calculation(new Range(Rational.of(low), Rational.of(high), note), note);
    }
    return new Calculation(Rational.of(low), note);
  }

  function partPoints(part) {
    if (hasOwn(part, "choices")) return Object.values(part.choices);
    return tables(part).flatMap(([, bands]) => bands.map((band) => band.points));
  }

  /** [[unit, bands]]: a part scored by one table ("bands", in the canonical unit) or by several. */
  function tables(part) {
    return hasOwn(part, "tables") && Object.keys(part.tables).length ? Object.entries(part.tables) : [[null, part.bands]];
  }

  /** The part's points; scored on several tables, the higher points count where they disagree. */
  function pointsFor(part, value, context) {
    if (hasOwn(part, "choices")) {
      if (!hasOwn(part.choices, value)) throw new RangeError(`no points for ${pythonRepr(value)}`);
      return part.choices[value];
    }
    return Math.max(...tables(part).map(([unit, bands]) => firstBand(bands,
      Rational.of(value).dividedBy(context.factor(part.fact, unit))).points));
  }

  const BAND_TESTS = {
    below: (value, limit) => pythonOrder(value, limit) < 0,
    at_most: (value, limit) => pythonOrder(value, limit) <= 0,
    above: (value, limit) => pythonOrder(value, limit) > 0,
    at_least: (value, limit) => pythonOrder(value, limit) >= 0,
  };

  /** Whether a number falls in a band such as {"below": 2}; a band with no limit takes all. */
  function inBand(band, value) {
    return Object.entries(BAND_TESTS).every(([key, test]) => !hasOwn(band, key) || test(value, Rational.of(band[key])));
  }

  function firstBand(bands, value) {
    const band = bands.find((candidate) => inBand(candidate, value));
    if (!band) throw new RangeError("no band takes this value");
    return band;
  }

  /** A label by bands of one number (Child-Pugh class from its score). */
  function bands(spec, context) {
    const value = context.value(spec.input);
    if (value === null) return new Calculation();
    if (value instanceof Range) {
      const [low, high] = [value.low, value.high].map((end) => firstBand(spec.bands, end).label);
      return new Calculation(low === high ? low : null);
    }
    return new Calculation(firstBand(spec.bands, value).label);
  }

  /** Creatinine clearance, mL/min: (140 - age) x weight / (72 x creatinine), x 0.85 if female. */
  function cockcroftGault(spec, context) {
    const inputs = {};
    for (const [name, fact] of Object.entries(spec.inputs)) inputs[name] = context.value(fact);
    if (Object.values(inputs).some((value) => value === null)) return new Calculation();
    let clearance = new Rational(140n).minus(Rational.of(inputs.age)).times(inputs.weight)
      .dividedBy(new Rational(72n).times(inputs.creatinine));
    const female = pythonEquals(inputs.sex, spec.female);
    if (female) clearance = clearance.times(Rational.parse("0.85"));
    const note = `Cockcroft-Gault: (140 − ${pythonStr(inputs.age)}) × ${formatNumber(inputs.weight)} kg`
      + ` / (72 × ${formatNumber(inputs.creatinine)} mg/dL)` + (female ? " × 0.85" : "");
    return new Calculation(clearance.compare(ZERO) < 0 ? ZERO : clearance, note);
  }

  /** Whole years from the birth date to the assessment date. */
  function ageInYears(spec, context) {
    const born = context.value(spec.input);
    const today = context.assessmentDate;
    if (born === null) return new Calculation();
    const hadBirthday = today.month > born.month || (today.month === born.month && today.day >= born.day);
    return new Calculation(new Rational(BigInt(today.year - born.year - (hadBirthday ? 0 : 1))), `born ${born.iso()}`);
  }

  /** Whether a date falls in a window ending on the assessment date (a bleed in 6 months). */
  function dateWithin(spec, context) {
    const day = context.value(spec.input);
    const today = context.assessmentDate;
    if (day === null) return new Calculation();
    const inside = firstDayIn(today, spec.window).days <= day.days && day.days <= today.days;
    const lapse = inside ? `; it no longer counts from ${windowLapses(day, spec.window).iso()}` : "";
    return new Calculation(inside, `on ${day.iso()}${lapse}`);
  }

  /** Whether a last dose is inside max(minimum days, n half-lives), rounded up to whole days. */
  function washout(spec, context) {
    const lastDose = context.value(spec.inputs.last_dose);
    if (lastDose === null) return new Calculation();
    const elapsed = context.assessmentDate.days - lastDose.days;
    const halfLife = context.value(spec.inputs.half_life_days);
    const minimum = spec.minimum_days;
    if (halfLife === null) {
      if (elapsed <= minimum) {
        return new Calculation(true, `last dose ${elapsed} days before, within ${pythonRepr(minimum)} days`);
      }
      return new Calculation();
    }
    const scaled = Rational.of(spec.half_lives).times(halfLife);
    const period = scaled.compare(minimum) > 0 ? scaled : Rational.of(minimum);
    const days = period.ceil();
    return new Calculation(BigInt(elapsed) <= days, `last dose ${elapsed} days before; washout ${days} days, `
      + `the longer of ${pythonRepr(minimum)} days and ${pythonRepr(spec.half_lives)} half-lives `
      + `of ${formatNumber(halfLife)} days`);
  }

  /** calculators.birthdays: the days from `low` to `high` on which the age in years goes up. */
  function birthdays(spec, context, low, high) {
    const born = context.value(spec.input);
    if (born === null) return [];
    const days = [];
    for (let year = low.year; year <= high.year; year += 1) {
      const leapDay = born.month === 2 && born.day === 29 && !isLeap(year);
      days.push(leapDay ? new Day(year, 3, 1) : new Day(year, born.month, born.day));
    }
    return days;
  }

  /** calculators.date_within_turns: the date itself and the day it lapses. */
  function dateWithinTurns(spec, context) {
    const day = context.value(spec.input);
    return day === null ? [] : [day, windowLapses(day, spec.window)];
  }

  /** calculators.washout_turns: the first days clear of the minimum washout and of the whole one. */
  function washoutTurns(spec, context) {
    const lastDose = context.value(spec.inputs.last_dose);
    if (lastDose === null) return [];
    const days = [lastDose.plusDays(spec.minimum_days + 1)];
    const halfLife = context.value(spec.inputs.half_life_days);
    if (halfLife !== null) {
      const scaled = Rational.of(spec.half_lives).times(halfLife);
      const period = scaled.compare(spec.minimum_days) > 0 ? scaled : Rational.of(spec.minimum_days);
      days.push(lastDose.plusDays(Number(period.ceil()) + 1));
    }
    return days;
  }

  /** calculators.TURNS: the calculators whose value depends on the assessment date. */
  const TURNS = { age_in_years: birthdays, date_within: dateWithinTurns, washout: washoutTurns };
  const DATED_CALCULATORS = new Set(Object.keys(TURNS));
  /** calculators.CARRIED_FORWARD: typed values that still hold on later assessment dates. */
  const CARRIED_FORWARD = { date_within: false, washout: false };

  /** One number as a multiple of another (a lab value as a multiple of its ULN). */
  function ratio(spec, context) {
    const numerator = context.value(spec.inputs.numerator);
    const denominator = context.value(spec.inputs.denominator);
    if (numerator === null || denominator === null) return new Calculation();
    return new Calculation(Rational.of(numerator).dividedBy(denominator));
  }

  /** Exact arithmetic on answers and numbers: "+", "-", "*", "/", "min", "max", folded from the
   * left; open while an input is unknown or a divisor is zero (calculators.formula). */
  function formula(spec, context) {
    const value = arithmetic(spec.formula, context);
    if (value === null) return new Calculation();
    return new Calculation(value, "from " + factsRead(spec.formula).map((fact) => context.describe(fact)).join("; "));
  }

  /** calculators.power: exact for a whole exponent; otherwise exp(exponent × ln(base)) in integers
   * to 40 decimals, rounded to 12, digit for digit as Python does. null where it has no value. */
  function power(base, exponent) {
    if (exponent.isInteger()) {
      const k = exponent.n;
      if (base.isZero() && k < 0n) return null;
      return k >= 0n ? new Rational(base.n ** k, base.d ** k) : new Rational(base.d ** -k, base.n ** -k);
    }
    if (base.compare(0) <= 0) return null;
    const scaled = fixedExp(floorDiv(exponent.n * fixedLn(base), exponent.d));
    const unit = 10n ** BigInt(DIGITS - KEPT_DIGITS);
    const whole = floorDiv(scaled, unit);
    return new Rational(whole + (2n * (scaled - whole * unit) >= unit ? 1n : 0n), 10n ** BigInt(KEPT_DIGITS));
  }

  const DIGITS = 40, KEPT_DIGITS = 12;
  const SCALE = 10n ** BigInt(DIGITS);

  function floorDiv(a, b) {
    const quotient = a / b;
    return a % b !== 0n && (a < 0n) !== (b < 0n) ? quotient - 1n : quotient;
  }

  function atanhSum(z) {
    let total = z, term = z, odd = 1n;
    const square = floorDiv(z * z, SCALE);
    for (;;) {
      term = floorDiv(term * square, SCALE);
      odd += 2n;
      if (floorDiv(term, odd) === 0n) return 2n * total;
      total += floorDiv(term, odd);
    }
  }

  const LN2 = atanhSum(floorDiv(SCALE, 3n));

  function fixedLn(x) {
    let fixed = floorDiv(x.n * SCALE, x.d), halvings = 0n;
    while (fixed >= 2n * SCALE) { fixed = floorDiv(fixed, 2n); halvings += 1n; }
    while (fixed < SCALE) { fixed *= 2n; halvings -= 1n; }
    return halvings * LN2 + atanhSum(floorDiv((fixed - SCALE) * SCALE, fixed + SCALE));
  }

  function fixedExp(y) {
    const doublings = floorDiv(y, LN2);
    const rest = y - doublings * LN2;
    let total = SCALE, term = SCALE, count = 1n;
    for (;;) {
      term = floorDiv(term * rest, SCALE * count);
      if (term === 0n) break;
      total += term;
      count += 1n;
    }
    return doublings >= 0n ? total << doublings : total >> -doublings;
  }

  const ARITHMETIC = {
    "+": (left, right) => left.plus(right),
    "-": (left, right) => left.minus(right),
    "*": (left, right) => left.times(right),
    "/": (left, right) => (right.isZero() ? null : left.dividedBy(right)),
    min: (left, right) => (right.compare(left) < 0 ? right : left),
    max: (left, right) => (right.compare(left) > 0 ? right : left),
    pow: power,
  };

  function arithmetic(expression, context) {
    if (!isObject(expression)) return Rational.of(expression);
    const [[operator, argument]] = Object.entries(expression);
    if (operator === "var") {
      const value = context.value(argument);
      return Context.isOpen(value) || !(value instanceof Rational) ? null : Rational.of(value);
    }
    if (operator === "if") { // [condition of the rules language, value when it holds, value when not]
      const holds = evaluateExpression(argument[0], context).value;
      return holds === null ? null : arithmetic(truthy(holds) ? argument[1] : argument[2], context);
    }
    let result = null;
    for (const [index, item] of argument.entries()) {
      const value = arithmetic(item, context);
      if (value === null) return null;
      result = index === 0 ? value : ARITHMETIC[operator](result, value);
      if (result === null) return null;
    }
    return result;
  }

  const CALCULATORS = {
    points_sum: pointsSum,
    bands,
    cockcroft_gault: cockcroftGault,
    age_in_years: ageInYears,
    date_within: dateWithin,
    washout,
    ratio,
    formula,
  };

  /** The facts a derived entry reads, in the order it names them. */
  function inputsOf(spec) {
    if (hasOwn(spec, "parts")) return spec.parts.map((part) => part.fact);
    if (hasOwn(spec, "formula")) return factsRead(spec.formula);
    if (hasOwn(spec, "inputs")) return Object.values(spec.inputs);
    return [spec.input];
  }

  /** Run the calculator a derived entry names. */
  function calculate(spec, context) {
    const calculator = own(CALCULATORS, spec.calculator);
    if (!calculator) throw new RulesError(`unknown calculator ${pythonRepr(spec.calculator)}`);
    return calculator(spec, context);
  }

  /* ---------- The rules language (expressions.py) ---------- */

  class RulesError extends Error {}

  /** A number and how to say it: label before it, unit and factor of its display unit, `times`
   * for a product (6 x ULN: [multiplier, Outcome of what it multiplies]), `note` for how it was reached. */
  class Shown {
    constructor({ label = "", unit = "", factor = ONE, times = null, note = "" } = {}) {
      this.label = label;
      this.unit = unit;
      this.factor = factor;
      this.times = times;
      this.note = note;
    }
  }

  class Outcome {
    constructor(value, text = "", missing = [], fact = null, number = null) {
      this.value = value; // null while unknown
      this.text = text;
      this.missing = missing;
      this.fact = fact; // set on a bare {"var": ...}, so literals beside it speak its choices
      this.number = number; // a Shown: how a number reads, so a comparison can word both sides
    }
  }

  /** Evaluate one expression against a context that knows the answers. */
  function evaluateExpression(expression, context) {
    if (isObject(expression)) {
      const entries = Object.entries(expression);
      if (entries.length !== 1) throw new RulesError("an expression object has exactly one operator");
      const [[operator, argument]] = entries;
      const operation = own(OPERATIONS, operator);
      if (!operation) throw new RulesError(`unknown operator ${pythonRepr(operator)}`);
      return operation(argument, context);
    }
    if (typeof expression === "number") {
      const number = Rational.of(expression);
      return new Outcome(number, formatNumber(number), [], null, new Shown());
    }
    return new Outcome(expression, formatValue(expression));
  }

  function variable(fact, context) {
    const value = context.value(fact);
    if (Context.isOpen(value)) return new Outcome(value, context.openText(fact), context.missingFor(fact), fact);
    const number = typeof value !== "boolean" && typeof value !== "string" ? context.shown(fact) : null;
    return new Outcome(value, context.describe(fact), [], fact, number);
  }

  function multiply(argumentsList, context) {
    const terms = argumentsList.map((argument) => evaluateExpression(argument, context));
    const missing = missingOf(terms);
    if (missing.length || terms.some((term) => term.value === null)) return new Outcome(null, "", missing);
    const product = terms.reduce((total, term) => total.times(term.value), ONE);
    const multipliers = terms.filter((term) => term.fact === null);
    const measured = terms.filter((term) => term.fact !== null);
    if (measured.length === 1 && measured[0].number) {
      const multiplier = multipliers.reduce((total, term) => total.times(term.value), ONE);
      const inner = measured[0].number;
      const shown = new Shown({ unit: inner.unit, factor: inner.factor, times: [multiplier, measured[0]] });
      return new Outcome(product, "", [], null, shown);
    }
    return new Outcome(product, terms.map((term) => term.text).join(" × "), [], null, new Shown());
  }

  const PHRASES = { // operator: [said when true, said when false]
    ">=": ["is at least", "is below"],
    ">": ["is above", "is not above"],
    "<=": ["is at most", "is above"],
    "<": ["is below", "is not below"],
  };
  const NEGATED = { "==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">" };
  const DE_MORGAN = { any: "all", all: "any" };

  function comparison(operator) {
    return function compareTerms(argumentsList, context) {
      const left = evaluateExpression(argumentsList[0], context);
      const right = isPerUnit(argumentsList[1]) ? limitPerUnit(argumentsList[1].per_unit, left, context)
        : evaluateExpression(argumentsList[1], context);
      if (left.value === null || right.value === null) {
        return new Outcome(null, left.value === null ? left.text : "", missingOf([left, right]));
      }
      const value = compare(operator, left.value, right.value);
      if (value === null) return new Outcome(null, left.text, missingOf([left, right]));
      return new Outcome(value, sayComparison(operator, value, left, right, context));
    };
  }

  function isPerUnit(expression) {
    return isObject(expression) && hasOwn(expression, "per_unit");
  }

  /** expressions.limit_per_unit: a limit printed in each unit, taken in the unit the answer beside
   * it was entered in; for another unit, the one in the question's own unit (else the first), converted. */
  function limitPerUnit(limits, beside, context) {
    if (beside.fact === null) throw new TypeError("per_unit limits need a fact on the other side of the comparison");
    const entered = beside.number ? beside.number.unit : null;
    const ownUnit = own(context.trial.questions[beside.fact], "unit");
    const unit = hasOwn(limits, entered) ? entered : hasOwn(limits, ownUnit) ? ownUnit : Object.keys(limits)[0];
    const factor = context.factor(beside.fact, unit);
    const printed = Rational.of(limits[unit]);
    return new Outcome(printed.times(factor), `${formatNumber(printed)} ${showUnit(unit)}`, [], null,
                       new Shown({ unit, factor }));
  }

  function sayComparison(operator, value, left, right, context) {
    if (hasOwn(PHRASES, operator)) return sayOrdering(operator, value, left, right);
    const expected = left.fact ? context.sayChoice(left.fact, right.value) : right.text;
    if (value) return left.text;
    return operator === "==" ? `${left.text} (required: ${expected})` : `${left.text} (must not be ${expected})`;
  }

  /** 'Total bilirubin 84 µmol/L is not below 4 × ULN 21 µmol/L = 84 µmol/L', in the unit entered. */
  function sayOrdering(operator, value, left, right) {
    const phrase = PHRASES[operator][value ? 0 : 1];
    if (left.value instanceof Range || !(left.number && right.number)) return `${left.text} ${phrase} ${right.text}`;
    const unit = [left, right].map((side) => side.number).find((number) => number.unit) || left.number;
    const [leftNumber, rightNumber] = [left, right].map((side) => Rational.of(side.value).dividedBy(unit.factor));
    const [leftText, rightText] = formatCompared(leftNumber, operator, rightNumber);
    let said = `${withUnit(left.number.label, leftText, unit.unit)} ${phrase} `;
    if (right.number.times) {
      const [multiplier, measured] = right.number.times;
      said += `${formatNumber(multiplier)} × ${sayMeasured(measured)} = `;
    }
    said += withUnit("", rightText, unit.unit);
    const notes = [left.number.note, right.number.note].filter(Boolean);
    return said + (notes.length ? ` (${notes.join("; ")})` : "");
  }

  const withUnit = (label, number, unit) => [label, number, showUnit(unit)].filter(Boolean).join(" ");

  function sayMeasured(outcome) {
    const shown = outcome.number;
    return withUnit(shown.label, formatNumber(Rational.of(outcome.value).dividedBy(shown.factor)), shown.unit);
  }

  function member([termExpression, options], context) {
    const term = evaluateExpression(termExpression, context);
    if (term.value === null) return new Outcome(null, term.text, term.missing);
    if (options.some((option) => !(term.value instanceof Range) && pythonEquals(term.value, option))) {
      return new Outcome(true, term.text);
    }
    const allowed = options.map((option) => context.sayChoice(term.fact, option)).join(", ");
    return new Outcome(false, `${term.text} (required: ${allowed})`);
  }

  /** expressions.as_condition: a bare yes-or-no answer that fails as a condition says what it needed. */
  function asCondition(outcome, context) {
    if (outcome.value === false && outcome.fact !== null) {
      return new Outcome(false, `${outcome.text} (required: ${context.sayChoice(outcome.fact, true)})`);
    }
    return outcome;
  }

  function every(expressions, context) {
    const parts = expressions.map((expression) => asCondition(evaluateExpression(expression, context), context));
    const failed = parts.filter((part) => part.value === false);
    if (failed.length) return new Outcome(false, join(failed));
    if (parts.every((part) => part.value === true)) return new Outcome(true, join(parts));
    return new Outcome(null, join(parts.filter((part) => part.value !== true)), missingOf(parts));
  }

  // The ends of a range (expressions.LOWER_ENDS, UPPER_ENDS).
  const LOWER_ENDS = { at_least: ">=", above: ">" };
  const UPPER_ENDS = { at_most: "<=", below: "<" };

  /** {"between": [x, low, high]}: x at or above its lower end and at or below its upper end. */
  function between(argumentsList, context) {
    return every(betweenParts(argumentsList), context);
  }

  /** The two comparisons a "between" means (expressions.between_parts). */
  function betweenParts([value, low, high]) {
    const end = (limit, kinds, included) => {
      if (isObject(limit)) {
        const entries = Object.entries(limit);
        if (entries.length === 1 && hasOwn(kinds, entries[0][0])) return { [kinds[entries[0][0]]]: [value, entries[0][1]] };
      }
      return { [included]: [value, limit] };
    };
    return [end(low, LOWER_ENDS, ">="), end(high, UPPER_ENDS, "<=")];
  }

  /** Any one of the alternatives; when none holds, each says why: "no alternative holds: …; or …". */
  function some(expressions, context) {
    const parts = expressions.map((expression) => asCondition(evaluateExpression(expression, context), context));
    const satisfied = parts.find((part) => part.value === true);
    if (satisfied) return new Outcome(true, satisfied.text, [], typeof satisfied.value === "boolean" ? satisfied.fact : null);
    if (parts.every((part) => part.value === false)) {
      const said = unique(parts.map((part) => part.text).filter(Boolean));
      return new Outcome(false, said.length > 1 ? `no alternative holds: ${said.join("; or ")}` : join(parts));
    }
    return new Outcome(null, join(parts.filter((part) => part.value === null)), missingOf(parts));
  }

  /** Python's truth value of what an expression may hold. */
  function truthy(value) {
    if (value instanceof Rational) return !value.isZero();
    if (typeof value === "string") return value !== "";
    return Boolean(value);
  }

  /** Not: a comparison is turned round (not == is !=), "not any" is "all not" and "not all" is "any not", so the words stay true. */
  function negate(argument, context) {
    if (isObject(argument)) {
      const entries = Object.entries(argument);
      if (entries.length === 1 && hasOwn(NEGATED, entries[0][0])) {
        return evaluateExpression({ [NEGATED[entries[0][0]]]: entries[0][1] }, context);
      }
      if (entries.length === 1 && hasOwn(DE_MORGAN, entries[0][0])) {
        return evaluateExpression({ [DE_MORGAN[entries[0][0]]]: entries[0][1].map((operand) => ({ not: operand })) }, context);
      }
      if (entries.length === 1 && entries[0][0] === "not") return evaluateExpression(entries[0][1], context);
    }
    const inner = evaluateExpression(argument, context);
    const value = inner.value === null ? null : !truthy(inner.value);
    if (value === false && inner.fact !== null && typeof inner.value === "boolean") { // a yes that must be a no
      return new Outcome(false, `${inner.text} (required: ${context.sayChoice(inner.fact, false)})`);
    }
    return new Outcome(value, inner.text, inner.missing);
  }

  /** [date, window] or [date, window, end date]: a date inside a window that ends on the
   * assessment date, or on another date, and not after it. */
  function within(argumentsList, context) {
    const [term, window, end, saidEnd, open] = windowTerms(argumentsList, context);
    if (open) return open;
    const length = describeWindow(window);
    if (firstDayIn(end, window).days <= term.value.days && term.value.days <= end.days) {
      const near = boundaryCounts(window) ? `within ${length}` : `less than ${length}`;
      return new Outcome(true, `${term.text} is ${near} before ${saidEnd}`);
    }
    const far = term.value.days > end.days ? "after"
      : boundaryCounts(window) ? `more than ${length} before` : `${length} or more before`;
    return new Outcome(false, `${term.text} is ${far} ${saidEnd}`);
  }

  /** [date, window] or [date, window, end date]: a date at least that long before the assessment
   * date, or another date; more than that long with "boundary": "excluded". */
  function atLeastBefore(argumentsList, context) {
    const [term, window, end, saidEnd, open] = windowTerms(argumentsList, context);
    if (open) return open;
    const length = describeWindow(window);
    const start = windowStart(end, window).days;
    if (term.value.days < start || (term.value.days === start && boundaryCounts(window))) {
      const far = boundaryCounts(window) ? `at least ${length}` : `more than ${length}`;
      return new Outcome(true, `${term.text} is ${far} before ${saidEnd}`);
    }
    const near = term.value.days > end.days ? "after"
      : boundaryCounts(window) ? `less than ${length} before` : `${length} or less before`;
    return new Outcome(false, `${term.text} is ${near} ${saidEnd}`);
  }

  /** expressions._window_end: [date outcome, window, end date, how to say it, null], or an open
   * outcome last while the date or the end date is unknown. */
  function windowTerms([termExpression, window, endExpression], context) {
    const term = evaluateExpression(termExpression, context);
    const anchor = endExpression === undefined ? null : evaluateExpression(endExpression, context);
    const end = anchor === null ? context.assessmentDate : anchor.value;
    if (term.value === null || end === null) {
      const missing = term.missing.concat(end === null ? anchor.missing : []);
      return [term, window, null, "", new Outcome(null, term.value === null ? term.text : anchor.text, unique(missing))];
    }
    if (!(term.value instanceof Day) || !(end instanceof Day)) throw new TypeError("a window needs dates");
    return [term, window, end, anchor === null ? end.iso() : anchor.text, null];
  }

  /** True when its condition holds; otherwise pending (unknown), never failed, saying what to do. */
  function awaits(argument, context) {
    let [condition, action] = Array.isArray(argument) ? argument : [argument, ""];
    const inner = evaluateExpression(condition, context);
    if (inner.value !== false) return inner;
    const since = windowsIn(condition).map((window) => firstDayIn(context.assessmentDate, window));
    if (since.length) {
      const first = since.reduce((earliest, day) => (day.days < earliest.days ? day : earliest));
      action += ` (a test done on or after ${first.iso()} counts)`;
    }
    const text = action ? `${inner.text}: ${action}` : `${inner.text}: a new answer is needed`;
    return new Outcome(null, text, factsRead(condition));
  }

  /** ["fact", condition]: the condition, once the fact is answered; holds while it is not. */
  function ifAnswered([fact, condition], context) {
    if (context.value(fact) === null) return new Outcome(true, "");
    return evaluateExpression(condition, context);
  }

  /** A partly answered score (a Range) is as open as an unanswered fact. */
  function missingOf(parts) {
    return parts.filter((part) => part.value === null || part.value instanceof Range).flatMap((part) => part.missing);
  }

  /** Two parts reading one fact (coverage not denied, coverage confirmed) say it once. */
  function join(parts) {
    return unique(parts.filter((part) => part.text).flatMap((part) => part.text.split("; "))).join("; ");
  }

  const OPERATIONS = {
    var: variable,
    "*": multiply,
    "==": comparison("=="),
    "!=": comparison("!="),
    "<": comparison("<"),
    "<=": comparison("<="),
    ">": comparison(">"),
    ">=": comparison(">="),
    in: member,
    all: every,
    any: some,
    not: negate,
    within,
    before: atLeastBefore,
    awaits,
    if_answered: ifAnswered,
    between,
  };

  /** Every fact an expression names, in order of appearance, without repeats. */
  function factsRead(expression) {
    const found = [];
    const walk = (node) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (isObject(node)) {
        for (const [operator, argument] of Object.entries(node)) {
          if (operator === "var") found.push(argument);
          else if (operator === "if_answered") {
            found.push(argument[0]);
            walk(argument[1]);
          } else walk(argument);
        }
      }
    };
    walk(expression);
    return unique(found);
  }

  /** The windows before the assessment date an expression measures ({"days": 30}), for saying
   * from when a test counts. */
  function windowsIn(expression) {
    if (isObject(expression)) {
      const [[operator, argument]] = Object.entries(expression);
      if (operator === "per_unit") return []; // limits, no expression
      if (operator === "within" || operator === "before") { // [date, window, end date]: the window is no expression
        const measured = operator === "within" && argument.length === 2 ? [argument[1]] : [];
        return measured.concat(windowsIn([argument[0], ...argument.slice(2)]));
      }
      return windowsIn(argument);
    }
    if (Array.isArray(expression)) return expression.flatMap(windowsIn);
    return [];
  }

  /** expressions.timed_terms: [operator, date expression, window] of every window measured back
   * from the assessment date anywhere in a piece of the rules. */
  function timedTerms(node) {
    if (Array.isArray(node)) return node.flatMap(timedTerms);
    if (!isObject(node)) return [];
    const entries = Object.entries(node);
    if (entries.length === 1) {
      const [[operator, argument]] = entries;
      if ((operator === "within" || operator === "before") && Array.isArray(argument) && argument.length === 2) {
        return [[operator, argument[0], argument[1]], ...timedTerms(argument[0])];
      }
    }
    return entries.flatMap(([, value]) => timedTerms(value));
  }

  /** expressions.term_turns: the assessment dates on which a timed term's outcome may change. */
  function termTurns([operator, date, window], context) {
    const day = evaluateExpression(date, context).value;
    if (day === null) return [];
    return operator === "within" ? [day, windowLapses(day, window)] : [windowReached(day, window)];
  }

  /* ---------- A trial's rules (rules.Trial) ---------- */

  class Trial {
    /** The rules and data dictionary the server validated, and the version it reported. */
    constructor(rules, dictionary, version = "") {
      this.rules = rules;
      this.dictionary = dictionary;
      this.version = version;
      this.id = rules.trial.id;
      this.questions = rules.questions;
      this.derived = rules.derived || {};
      this.criteria = rules.criteria;
      this.order = new Map();
      rules.sections.flatMap((section) => section.questions).forEach((fact, index) => this.order.set(fact, index));
      this.criterionFacts = new Map(this.criteria.map((criterion) => [criterion.id, this.inOrder(this.expand(
        [...factsRead(hasOwn(criterion, "applies") ? criterion.applies : true), ...factsRead(criterion.require)]))]));
    }

    /** rules.Trial.timed_terms, dated_facts, dated_criteria, not_after_assessment (see there). */
    get timed() {
      if (!this._timed) {
        const rules = this.rules;
        this._timed = timedTerms(["questions", "derived", "criteria", "contradictions"].map((part) => (hasOwn(rules, part) ? rules[part] : null)));
      }
      return this._timed;
    }

    get datedFacts() {
      if (!this._datedFacts) {
        this._datedFacts = Object.keys(this.derived).filter((fact) => this.expand([fact]).includes("assessment_date"));
      }
      return this._datedFacts;
    }

    get datedCriteria() {
      if (!this._datedCriteria) {
        const dated = (expression) => timedTerms(expression).length > 0
          || this.expand(factsRead(expression)).includes("assessment_date");
        const touched = new Set(Object.entries(this.questions)
          .filter(([, question]) => hasOwn(question, "implied") && dated(question.implied.when)).map(([fact]) => fact));
        for (const check of this.rules.contradictions || []) if (dated(check.when)) touched.add(check.fact);
        this._datedCriteria = this.criteria.filter((criterion) => dated([hasOwn(criterion, "applies") ? criterion.applies : true,
          criterion.require, criterion.explain || []]) || this.criterionFacts.get(criterion.id).some((fact) => touched.has(fact)));
      }
      return this._datedCriteria;
    }

    /** rules.Trial.criteria_touched_by: the criteria whose judgement may change with `fact`. */
    criteriaTouchedBy(fact) {
      if (!this._touched) this._touched = new Map();
      if (!this._touched.has(fact)) {
        const reach = new Set([fact]);
        for (const [other, question] of Object.entries(this.questions)) {
          if (hasOwn(question, "implied") && this.expand(factsRead(question.implied.when)).includes(fact)) reach.add(other);
        }
        for (const check of this.rules.contradictions || []) {
          if (this.expand(factsRead(check.when)).includes(fact)) reach.add(check.fact);
        }
        this._touched.set(fact, new Set(this.criteria.filter((criterion) => this.criterionFacts.get(criterion.id)
          .some((read) => reach.has(read))).map((criterion) => criterion.id)));
      }
      return this._touched.get(fact);
    }

    get notAfterAssessment() {
      if (!this._notAfter) {
        const facts = Object.values(this.derived).filter((spec) => DATED_CALCULATORS.has(spec.calculator))
          .map((spec) => inputsOf(spec)[0]);
        for (const [fact, prop] of Object.entries(this.dictionary.properties)) {
          if (prop["x-not-after-assessment"] === true) facts.push(fact);
        }
        this._notAfter = unique(facts);
      }
      return this._notAfter;
    }

    /** The facts named, with every input of the derived ones, kept to questions. */
    expand(facts) {
      const found = new Set();
      const pending = [...facts];
      while (pending.length) {
        const fact = pending.pop();
        if (found.has(fact)) continue;
        found.add(fact);
        const spec = own(this.derived, fact);
        if (spec) {
          pending.push(...inputsOf(spec));
          if (DATED_CALCULATORS.has(spec.calculator)) found.add("assessment_date");
        }
      }
      return [...found].filter((fact) => hasOwn(this.questions, fact) || fact === "assessment_date");
    }

    /** Facts sorted into checklist order, without repeats. */
    inOrder(facts) {
      const rank = (fact) => (this.order.has(fact) ? this.order.get(fact) : this.order.size);
      return unique(facts).sort((a, b) => rank(a) - rank(b));
    }

    question(fact) { return own(this.questions, fact) || {}; }
  }

  /* ---------- The engine (engine.py) ---------- */

  const PASSING = new Set(["met", "not_applicable", "eligible"]);
  const FAILING = new Set(["not_met", "ineligible"]);

  /** What expressions may ask of the answers: values (derived when needed), words, gaps.
   * `confirmed` names facts whose implausible value a clinician has confirmed; `typedFirst` names
   * derived facts whose typed value is used even where it can be calculated. */
  class Context {
    constructor(trial, facts, assessmentDate, { confirmed = new Set(), typedFirst = new Set() } = {}) {
      this.trial = trial;
      this.facts = facts; // Map of canonical values
      this.assessmentDate = assessmentDate;
      this.confirmed = confirmed;
      this.typedFirst = typedFirst;
      this.calculations = new Map();
    }

    /** The same evaluation with some answers added (to try each answer of an open question). */
    withAnswers(answers) {
      return new Context(this.trial, new Map([...this.facts, ...answers]), this.assessmentDate,
        { confirmed: this.confirmed, typedFirst: this.typedFirst });
    }

    static isOpen(value) { return value === null || value instanceof Range; }

    // Values -----------------------------------------------------------------------------

    /** The value that decides: a calculated one wherever its inputs allow, else the answer, else an
     * implied one; null while unknown (or implausible), a Range while partial. */
    value(fact) {
      if (hasOwn(this.trial.derived, fact) && !this.typedFirst.has(fact)) {
        const calculated = this.calculation(fact).value;
        if (calculated !== null && !(calculated instanceof Range)) return calculated;
        return this.facts.has(fact) ? this.answer(fact) : calculated;
      }
      if (this.facts.has(fact)) return this.answer(fact);
      return this.implied(fact);
    }

    /** The answer as given, unless it is implausible and not confirmed. */
    answer(fact) { return this.implausible(fact) ? null : this.facts.get(fact); }

    calculation(fact) {
      if (!this.calculations.has(fact)) this.calculations.set(fact, calculate(this.trial.derived[fact], this));
      return this.calculations.get(fact);
    }

    /** Whether the fact's deciding value is calculated from its inputs (not typed). */
    calculated(fact) {
      if (!hasOwn(this.trial.derived, fact) || this.typedFirst.has(fact)) return false;
      return !Context.isOpen(this.calculation(fact).value);
    }

    /** An unanswered question's implied value (no childbearing potential when male), or null. */
    implied(fact) {
      const implied = this.trial.question(fact).implied;
      if (implied && evaluateExpression(implied.when, this).value === true) return implied.value;
      return null;
    }

    /** A number outside its question's plausible range, not confirmed: likely a unit slip. */
    implausible(fact) {
      const bounds = this.trial.question(fact).plausible;
      const value = this.facts.has(fact) ? this.facts.get(fact) : null;
      if (!bounds || this.confirmed.has(fact) || !(value instanceof Rational)) return false;
      const [low, high] = bounds.map(exactFactor);
      return !(low.compare(value) <= 0 && value.compare(high) <= 0);
    }

    /** How many canonical units one `unit` of a fact is (1 for its canonical unit or null). */
    factor(fact, unit) {
      return unit ? exactFactor(this.trial.questions[fact].units[unit]) : ONE;
    }

    // What is still needed ---------------------------------------------------------------

    /** Facts whose answers would settle this one: the fact itself (if asked) and, for a calculated
     * one, its open inputs; the fact itself only while none of its inputs is known. */
    missingFor(fact) {
      if (this.facts.has(fact) && !this.implausible(fact)) return [];
      const spec = own(this.trial.derived, fact);
      if (!spec) return hasOwn(this.trial.questions, fact) ? [fact] : [];
      const inputs = inputsOf(spec);
      const missing = inputs.filter((source) => Context.isOpen(this.value(source)))
        .flatMap((source) => this.missingFor(source));
      const started = inputs.some((source) => this.facts.has(source) || !Context.isOpen(this.value(source)));
      if (hasOwn(this.trial.questions, fact) && !started) missing.push(fact);
      return missing;
    }

    /** missingFor in words, an alternative said once: "Date of birth or Age". */
    needs(fact) {
      const missing = this.missingFor(fact);
      if (!missing.includes(fact) || !hasOwn(this.trial.derived, fact)) {
        return this.trial.inOrder(missing).map((gap) => this.label(gap));
      }
      const inputs = inputsOf(this.trial.derived[fact]).filter((source) => Context.isOpen(this.value(source)))
        .flatMap((source) => this.needs(source));
      const label = this.label(fact);
      if (inputs.length === 1) return [`${inputs[0]} or ${label}`];
      if (this.trial.questions[fact].type === "boolean") return [`${label} (or ${inputs.join(" and ")})`];
      return [...inputs, `or ${label} directly`];
    }

    /** Why an open fact is open, when that is more than "not answered yet". */
    openText(fact) {
      return this.facts.has(fact) && this.implausible(fact) ? this.implausibleText(fact) : "";
    }

    implausibleText(fact) {
      const question = this.trial.questions[fact];
      const [low, high] = question.plausible.map(exactFactor);
      const canonical = hasOwn(question, "unit") ? question.unit : "";
      const said = rstrip(`${this.label(fact)} ${formatValue(this.facts.get(fact), canonical)} is outside the `
        + `plausible range (${formatNumber(low)} to ${formatNumber(high)} ${showUnit(canonical)}`) + ")";
      const likely = this.likelyUnit(fact);
      if (likely !== null) {
        return `${said}: did you mean ${formatNumber(this.entered(fact))} ${showUnit(likely)}? `
          + "Correct the unit or confirm the value";
      }
      return `${said}: check the value and its unit, or confirm it`;
    }

    /** Another unit in which the number as typed would be plausible (75 g/dL: g/L). */
    likelyUnit(fact) {
      const question = this.trial.questions[fact];
      const [low, high] = question.plausible.map(exactFactor);
      const entered = this.entered(fact);
      const unit = this.enteredUnit(fact);
      for (const [other, factor] of Object.entries(question.units || {})) {
        const value = entered.times(exactFactor(factor));
        if (other !== unit && low.compare(value) <= 0 && value.compare(high) <= 0) return other;
      }
      return null;
    }

    entered(fact) {
      const value = this.facts.get(fact);
      return value instanceof Quantity ? value.entered : Rational.of(value);
    }

    enteredUnit(fact) {
      const value = this.facts.get(fact);
      if (value instanceof Quantity) return value.unit;
      const question = this.trial.questions[fact];
      return hasOwn(question, "unit") ? question.unit : "";
    }

    // Words ------------------------------------------------------------------------------

    label(fact) {
      const entry = own(this.trial.questions, fact) || own(this.trial.derived, fact) || {};
      return hasOwn(entry, "label") ? entry.label : fact;
    }

    /** 'Platelets 45,000 cells/mm³', 'Macrovascular invasion: no', with how a value was reached. */
    describe(fact) {
      const value = this.value(fact);
      const question = this.trial.question(fact);
      const label = this.label(fact);
      if (value === null) return label;
      const text = typeof value === "boolean" || typeof value === "string"
        ? `${label}: ${this.sayChoice(fact, value)}`
        : `${label} ${formatValue(value, hasOwn(question, "unit") ? question.unit : "")}`;
      const note = this.note(fact);
      return note ? `${text} (${note})` : text;
    }

    /** How a value was reached: its calculation, or why it is implied. */
    note(fact) {
      if (this.calculated(fact)) return this.calculation(fact).note;
      if (!this.facts.has(fact) && hasOwn(this.trial.questions, fact) && this.implied(fact) !== null) {
        return this.trial.questions[fact].implied.because;
      }
      return "";
    }

    /** How a number reads in a comparison: in the unit it was entered in. */
    shown(fact) {
      const value = this.value(fact);
      const question = this.trial.question(fact);
      let unit = hasOwn(question, "unit") ? question.unit : "";
      let factor = ONE;
      if (value instanceof Quantity) [unit, factor] = [value.unit, value.factor];
      const label = hasOwn(question, "short") ? question.short : this.label(fact);
      return new Shown({ label, unit, factor, note: this.note(fact) });
    }

    sayChoice(fact, value) {
      const question = fact === null ? {} : this.trial.question(fact);
      return formatValue(value, "", question.choices || null);
    }
  }

  /** The evaluation document for validated, canonical facts (see validate). */
  function evaluate(trial, facts, today, confirmed = []) {
    const context = new Context(trial, facts, facts.get("assessment_date") || today, { confirmed: new Set(confirmed) });
    const toCheck = warnings(context);
    const contradicted = new Map(toCheck.filter((entry) => entry.kind === "contradiction")
      .map((entry) => [entry.fact, entry.message]));
    const judged = trial.criteria.map((criterion) => judge(criterion, context, contradicted));
    const steps = stepVerdicts(trial, new Map(judged.map(({ criterion }) => [criterion.id, criterion.status])));
    return {
      trial: trial.id,
      rules_version: trial.version,
      assessment_date: context.assessmentDate.iso(),
      verdict: verdictOf(Object.values(steps)),
      steps,
      criteria: judged.map((entry) => entry.criterion),
      derived: derivedValues(context),
      missing: trial.inOrder(judged.flatMap((entry) => entry.missing)),
      warnings: toCheck,
      permitted: (trial.rules.permitted || []).map((item) => permitted(item, context)),
      alternatives: alternatives(context, judged.map((entry) => entry.criterion)),
      window: windowOf(context, judged.map((entry) => entry.criterion)),
    };
  }

  /** engine.step_verdicts: {step: verdict} from each criterion's status (a Map id: status). */
  function stepVerdicts(trial, statuses) {
    const steps = {};
    for (const step of trial.rules.steps) {
      steps[step.id] = verdictOf(trial.criteria.filter((criterion) => criterion.step === step.id)
        .map((criterion) => statuses.get(criterion.id)));
    }
    return steps;
  }

  /** engine._contradicted: the answers that contradict others, by fact. */
  function contradicted(context) {
    const trial = context.trial;
    const implied = Object.entries(trial.questions).filter(([, question]) => hasOwn(question, "implied")).map(([fact]) => fact);
    const found = trial.inOrder(implied).filter((fact) => context.facts.has(fact)).flatMap((fact) => answerWarnings(fact, context));
    found.push(...(trial.rules.contradictions || []).flatMap((check) => checkWarnings(check, context)));
    return new Map(found.filter((entry) => entry.kind === "contradiction").map((entry) => [entry.fact, entry.message]));
  }

  /** engine.alternatives: the verdict for each choice of the question the rules name as
   * alternatives, with the criteria whose status differs between choices; null when none. */
  function alternatives(context, judged) {
    const trial = context.trial;
    const question = trial.rules.alternatives;
    if (!question) return null;
    const touched = trial.criteriaTouchedBy(question);
    const choices = choicesOf(trial.questions[question]).map((value) => {
      const on = context.withAnswers([[question, value]]);
      const against = contradicted(on);
      const outcome = new Map(trial.criteria.map((criterion, index) => [criterion.id,
        touched.has(criterion.id) ? judge(criterion, on, against).criterion : judged[index]]));
      return [value, outcome, windowOf(on, [...outcome.values()]).registration];
    });
    const differing = trial.criteria.map((criterion) => criterion.id)
      .filter((id) => new Set(choices.map(([, outcome]) => outcome.get(id).status)).size > 1);
    const answer = context.facts.get(question);
    return {
      question,
      label: context.label(question),
      answer: answer === undefined ? null : plain(answer),
      choices: choices.map(([value, outcome, registration]) => ({
        value: plain(value),
        label: context.sayChoice(question, value),
        verdict: verdictOf(Object.values(stepVerdicts(trial, new Map([...outcome].map(([id, judged]) => [id, judged.status]))))),
        criteria: differing.map((id) => {
          const { label, status, reason } = outcome.get(id);
          return { id, label, status, reason };
        }),
        registration,
      })),
    };
  }

  /** engine.window: when the verdict holds; a dated value typed without its date counts as
   * unanswered on other days than the assessment date. */
  function windowOf(context, judged) {
    const trial = context.trial;
    const day = context.assessmentDate;
    const now = new Map(judged.map((criterion) => [criterion.id, criterion]));
    const typed = trial.inOrder(trial.datedFacts).filter((fact) => context.facts.has(fact) && !context.calculated(fact));
    const carried = typed.filter((fact) => context.facts.get(fact) === own(CARRIED_FORWARD, trial.derived[fact].calculator));
    const without = (leaving) => new Map([...context.facts].filter(([fact]) => !leaving.includes(fact)));
    const earlier = typed.length ? without(typed) : context.facts;
    const later = typed.length ? without(typed.filter((fact) => !carried.includes(fact))) : context.facts;
    const stateOn = (other) => {
      const facts = other.days === day.days ? context.facts : other.days < day.days ? earlier : later;
      const on = new Context(trial, facts, other, { confirmed: context.confirmed });
      const against = contradicted(on);
      return new Map(trial.datedCriteria.map((criterion) => [criterion.id, judge(criterion, on, against).criterion]));
    };
    const verdictAt = (state) => {
      const statuses = new Map([...now].map(([id, criterion]) => [id, criterion.status]));
      for (const [id, criterion] of state) statuses.set(id, criterion.status);
      return verdictOf(Object.values(stepVerdicts(trial, statuses)));
    };
    const dates = trial.notAfterAssessment.map((fact) => context.facts.get(fact)).filter((date) => date instanceof Day);
    const earliest = dates.length ? dates.reduce((a, b) => (b.days > a.days ? b : a)) : null;
    const found = turns(context);
    if (typed.length) found.add(day.days).add(day.days + 1);
    const current = new Map(trial.datedCriteria.map((criterion) => [criterion.id, now.get(criterion.id)]));
    return { ...timelineWindow(day, [...found].sort((a, b) => a - b), earliest, current, stateOn, verdictAt),
      typed_for_the_day: typed.filter((fact) => !carried.includes(fact)) };
  }

  /** engine.turns: the assessment dates (as day numbers) on which a dated outcome may change. */
  function turns(context) {
    const trial = context.trial;
    const day = context.assessmentDate;
    const found = new Set(trial.timed.flatMap((term) => termTurns(term, context)).map((date) => date.days));
    for (const spec of Object.values(trial.derived)) {
      if (!hasOwn(TURNS, spec.calculator)) continue;
      const days = TURNS[spec.calculator](spec, context, day.plusDays(-LOOK), day.plusDays(LOOK));
      for (const date of days) found.add(date.days);
    }
    return found;
  }

  /* ---------- When a verdict holds (timeline.py) ---------- */

  const LOOK = 366; // days before and after the assessment date the window is sought

  /** timeline.window: `turns` are day numbers, in order. */
  function timelineWindow(day, turns, earliest, current, stateOn, verdictAt) {
    const events = [];
    const start = stretchStart(day, [...turns].reverse(), earliest, current, stateOn, verdictAt, events);
    let [until, registration] = stretchAhead(day, turns, current, stateOn, verdictAt, events);
    if (registration && registration[0] && registration[0].days === day.days) registration = [start, registration[1]];
    const iso = (date) => (date ? date.iso() : null);
    return {
      from: iso(start),
      until: iso(until),
      events: events.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)),
      registration: registration ? { from: iso(registration[0]), until: iso(registration[1]) } : null,
    };
  }

  /** timeline._start: the first day of the stretch that holds `day`'s verdict. */
  function stretchStart(day, turns, earliest, current, stateOn, verdictAt, events) {
    const verdict = verdictAt(current);
    let later = current;
    for (const turn of turns) {
      if (turn > day.days || turn <= day.days - LOOK) continue;
      if (earliest && turn <= earliest.days) return earliest;
      const before = stateOn(Day.fromDays(turn - 1));
      if (verdictAt(before) !== verdict) {
        events.push(...changes(Day.fromDays(turn), before, later));
        return Day.fromDays(turn);
      }
      later = before;
    }
    return earliest && earliest.days > day.days - LOOK ? earliest : null;
  }

  /** timeline._ahead: [last day of the stretch, [first, last] day of the first eligible stretch]. */
  function stretchAhead(day, turns, current, stateOn, verdictAt, events) {
    const verdict = verdictAt(current);
    let state = current;
    let until = null;
    let opens = verdict === "eligible" ? day : null;
    let closes = null;
    const failing = new Set([...current].filter(([, judged]) => judged.status === "not_met").map(([id]) => id));
    for (const turn of turns) {
      if (turn <= day.days || turn > day.days + LOOK) continue;
      if (until && !failing.size && (opens === null || closes)) break;
      const date = Day.fromDays(turn);
      const after = stateOn(date);
      const now = verdictAt(after);
      let edge = false;
      if (until === null && now !== verdict) [until, edge] = [Day.fromDays(turn - 1), true];
      if (opens === null && now === "eligible") [opens, edge] = [date, true];
      else if (opens && closes === null && now !== "eligible") [closes, edge] = [Day.fromDays(turn - 1), true];
      const lapsed = new Set([...failing].filter((id) => after.get(id).status !== "not_met"));
      events.push(...changes(date, state, after, edge ? null : lapsed));
      for (const id of lapsed) failing.delete(id);
      state = after;
    }
    return [until, opens ? [opens, closes] : null];
  }

  /** timeline._changes: the criteria whose status differs from `before` to `after`. */
  function changes(turn, before, after, only = null) {
    const found = [];
    for (const [id, judged] of after) {
      if (judged.status === before.get(id).status || (only && !only.has(id))) continue;
      found.push({ date: turn.iso(), criterion: id, label: judged.label, was: before.get(id).status,
        status: judged.status, reason: judged.reason });
    }
    return found;
  }

  /** One criterion's status, reason and the facts that would decide it. A criterion never passes
   * on doubtful answers: one that reads an implausible value or an answer contradicting another
   * stays open until they are checked. */
  function judge(criterion, context, contradicted = new Map()) {
    let [status, reason, missing] = decide(criterion, context);
    if (status === "unknown") [status, reason, missing] = decideForEveryAnswer(criterion, context) || [status, reason, missing];
    const reads = context.trial.criterionFacts.get(criterion.id);
    const doubts = new Map(reads.filter((fact) => context.implausible(fact))
      .map((fact) => [fact, context.implausibleText(fact)]));
    if (status === "met" || (status === "not_applicable" && !doubts.size)) {
      for (const [fact, message] of contradicted) if (reads.includes(fact)) doubts.set(fact, message);
    }
    if ((status === "met" || status === "not_applicable") && doubts.size) {
      [status, reason, missing] = ["unknown", unique(doubts.values()).join("; "), [...doubts.keys()]];
    }
    if (status === "not_met") reason = explanation(criterion, context) || reason;
    return {
      criterion: {
        id: criterion.id,
        step: criterion.step,
        label: criterion.label,
        text: criterion.text,
        status,
        facts: context.trial.criterionFacts.get(criterion.id),
        reason: sentence(reason),
      },
      missing,
    };
  }

  /** [status, reason, missing facts] from the answers as they stand. */
  function decide(criterion, context) {
    const applies = evaluateExpression(hasOwn(criterion, "applies") ? criterion.applies : true, context);
    const result = asCondition(evaluateExpression(criterion.require, context), context);
    if (applies.value === false) return ["not_applicable", notApplicableReason(criterion, context), []];
    if (result.value === true) return ["met", result.text, []];
    if (result.value === false && applies.value === true) return ["not_met", result.text, []];
    const missing = [...(result.value === null ? result.missing : []), ...applies.missing];
    let reason = result.value === null ? result.text : "";
    const roots = rootsOf(missing, context);
    const gaps = context.trial.inOrder(missing).filter((fact) => roots.has(fact)).flatMap((fact) => context.needs(fact));
    if (gaps.length) reason = [reason, "still to answer: " + unique(gaps).join("; ")].filter(Boolean).join("; ");
    return ["unknown", reason, missing];
  }

  /** The missing facts that are not merely an input of another missing fact (said through it). */
  function rootsOf(missing, context) {
    const derived = context.trial.derived;
    const pending = missing.filter((fact) => hasOwn(derived, fact)).flatMap((fact) => inputsOf(derived[fact]));
    const expanded = new Set();
    while (pending.length) {
      const fact = pending.pop();
      if (expanded.has(fact)) continue;
      expanded.add(fact);
      if (hasOwn(derived, fact)) pending.push(...inputsOf(derived[fact]));
    }
    return new Set(missing.filter((fact) => !expanded.has(fact)));
  }

  /** Decide an open criterion now when every answer to its open choice questions gives the same
   * outcome (creatinine clearance of at least 30 whichever the sex); else null. */
  function decideForEveryAnswer(criterion, context) {
    const trial = context.trial;
    const openFacts = trial.criterionFacts.get(criterion.id).filter((fact) => {
      const type = trial.questions[fact].type;
      return (type === "choice" || type === "boolean") && !context.facts.has(fact) && context.value(fact) === null;
    });
    const choices = openFacts.map((fact) => choicesOf(trial.questions[fact]));
    if (!openFacts.length || choices.reduce((count, options) => count * options.length, 1) > MOST_COMBINATIONS) {
      return null;
    }
    let combinations = [[]];
    for (const options of choices) {
      combinations = combinations.flatMap((combination) => options.map((option) => [...combination, option]));
    }
    const outcomes = combinations.map((combination) => decide(criterion,
      context.withAnswers(openFacts.map((fact, index) => [fact, combination[index]]))));
    const statuses = new Set(outcomes.map(([status]) => status));
    let status;
    if (statuses.size === 1 && (statuses.has("not_met") || statuses.has("not_applicable"))) [status] = statuses;
    else if ([...statuses].every((each) => each === "met" || each === "not_applicable")) status = "met";
    else return null;
    const reasons = unique(outcomes.filter(([each]) => each === status).map(([, reason]) => sentence(reason)));
    const labels = openFacts.map((fact) => context.label(fact)).join(" and ");
    return [status, `whatever the answer to ${labels}: ` + reasons.join(" / "), []];
  }

  function choicesOf(question) {
    return question.type === "boolean" ? [true, false] : Object.keys(question.choices);
  }

  /** The rules' own words for why a criterion fails, where the logic alone reads poorly. */
  function explanation(criterion, context) {
    for (const item of criterion.explain || []) {
      if (evaluateExpression(item.when, context).value === true) return item.say;
    }
    return "";
  }

  /** 'Does not apply: only for persons of childbearing potential (Childbearing potential: no)'. */
  function notApplicableReason(criterion, context) {
    const answers = factsRead(criterion.applies).filter((fact) => context.value(fact) !== null)
      .map((fact) => context.describe(fact)).join("; ");
    const scope = criterion.applies_to;
    const said = scope ? `does not apply: only for ${scope}` : "does not apply here";
    return answers ? `${said} (${answers})` : said;
  }

  function sentence(text) {
    text = text.replace(LEADING_SPACE, "").replace(TRAILING_SPACE, "");
    if (!text) return "";
    const firstWord = text.split(" ", 1)[0];
    if (firstWord === firstWord.toLowerCase()) { // "eGFR" keeps its own capitals
      const first = String.fromCodePoint(text.codePointAt(0));
      text = first.toUpperCase() + text.slice(first.length);
    }
    return /[.?!]$/.test(text) ? text : text + ".";
  }

  /** ineligible if anything fails, eligible if everything passes, else incomplete. */
  function verdictOf(statuses) {
    if (statuses.some((status) => FAILING.has(status))) return "ineligible";
    if (statuses.every((status) => PASSING.has(status))) return "eligible";
    return "incomplete";
  }

  /** Every derived value that is known exactly, as plain JSON data (numbers to 2 decimals). */
  function derivedValues(context) {
    const values = {};
    for (const name of Object.keys(context.trial.derived)) {
      const value = context.value(name);
      if (!Context.isOpen(value)) values[name] = plain(value instanceof Rational ? value.roundTo(2) : value);
    }
    return values;
  }

  /** Values to check: implausible for their unit, typed where a calculated value decides, or
   * contradicting another answer. Each names its fact; none changes a status by itself. */
  function warnings(context) {
    const found = [];
    const trial = context.trial;
    for (const fact of trial.inOrder([...context.facts.keys()])) found.push(...answerWarnings(fact, context));
    for (const check of trial.rules.contradictions || []) found.push(...checkWarnings(check, context));
    return found;
  }

  function answerWarnings(fact, context) {
    const trial = context.trial;
    const unit = hasOwn(trial.question(fact), "unit") ? trial.question(fact).unit : "";
    if (context.implausible(fact)) return [warning(fact, "implausible", sentence(context.implausibleText(fact)))];
    if (hasOwn(trial.derived, fact) && context.calculated(fact) && !pythonEquals(context.facts.get(fact), context.value(fact))) {
      const typed = formatValue(context.facts.get(fact), unit);
      const calculated = formatValue(context.value(fact), unit);
      return [warning(fact, "calculated", `${context.label(fact)} was entered as ${typed}; the `
        + `value calculated from its inputs, ${calculated}, is the one used.`)];
    }
    if (contradictsImplied(fact, context)) {
      const implied = trial.questions[fact].implied;
      return [warning(fact, "contradiction", `${context.describe(fact)} contradicts what is `
        + `implied (${implied.because}): check both answers.`)];
    }
    return [];
  }

  function checkWarnings(check, context) {
    return evaluateExpression(check.when, context).value === true ? [warning(check.fact, "contradiction", check.say)] : [];
  }

  function contradictsImplied(fact, context) {
    const implied = context.trial.question(fact).implied;
    if (!implied || evaluateExpression(implied.when, context).value !== true) return false;
    return !pythonEquals(context.facts.get(fact), implied.value);
  }

  const warning = (fact, kind, message) => ({ fact, kind, message });

  /** A permitted item of the listing with what was answered: shown, never excluding. */
  function permitted(item, context) {
    const answers = {};
    for (const fact of item.facts) {
      const value = context.value(fact);
      if (value !== null) answers[fact] = plain(value);
    }
    return { id: item.id, text: item.text, answers };
  }

  /* ---------- Answers documents (answers.py) ---------- */

  /** A problem with one answer; the message says what is wrong and what is expected. */
  class AnswerError extends Error {}

  /** [canonical facts, errors by fact]; facts are only meaningful when errors is empty. */
  function validate(trial, document, today) {
    const facts = new Map();
    const errors = new Map();
    if (!isObject(document)) {
      errors.set("answers", "The answers must be a JSON object of fact names and values.");
      return [facts, errors];
    }
    const properties = trial.dictionary.properties;
    for (const [fact, raw] of Object.entries(document)) {
      if (raw === undefined) continue; // JSON.stringify leaves it out
      if (!hasOwn(properties, fact)) {
        errors.set(fact, `${fact}: unknown fact; see the data dictionary for the names it accepts.`);
        continue;
      }
      try {
        facts.set(fact, parseValue(trial, fact, raw));
      } catch (problem) {
        if (!(problem instanceof AnswerError)) throw problem;
        errors.set(fact, `${fact}: ${problem.message}`);
      }
    }
    for (const [fact, problem] of semanticProblems(trial, facts, today)) {
      if (!errors.has(fact)) errors.set(fact, `${fact}: ${problem}`);
    }
    return [facts, errors];
  }

  /** One answer as its canonical value: a Rational (a Quantity with units), an enum string, a boolean or a Day. */
  function parseValue(trial, fact, raw) {
    const prop = trial.dictionary.properties[fact];
    const question = trial.question(fact);
    if (prop.$ref === "#/$defs/date") return parseDate(raw);
    if (hasOwn(prop, "enum")) {
      if (typeof raw !== "string" || !prop.enum.includes(raw)) {
        throw new AnswerError(`${pythonRepr(raw)} is not one of ${prop.enum.join(", ")}.`);
      }
      return raw;
    }
    if (prop.type === "boolean") {
      if (typeof raw !== "boolean") throw new AnswerError(`${pythonRepr(raw)} is not true or false.`);
      return raw;
    }
    let value = hasOwn(question, "units") ? parseQuantity(raw, question) : parseNumber(raw);
    if (prop.type === "integer") {
      if (!value.isInteger()) throw new AnswerError(`${pythonRepr(raw)} is not a whole number.`);
      value = new Rational(value.n);
    }
    checkRange(value, prop, question);
    return value;
  }

  function parseNumber(raw) {
    if (typeof raw !== "number") throw new AnswerError(`${pythonRepr(raw)} is not a number.`);
    if (!Number.isFinite(raw)) throw new AnswerError("must be a finite number.");
    const value = Rational.of(raw);
    const size = value.abs();
    // Beyond 1e9, or closer to zero than 1e-6: no clinical value here; a typing slip.
    if (size.compare(NUMBER_LIMIT) > 0 || (!size.isZero() && size.compare(new Rational(1n, 10n ** 6n)) < 0)) {
      throw new AnswerError(`${pythonRepr(raw)} is not a plausible number.`);
    }
    return value;
  }

  /** A number in the canonical unit, or {"value": n, "unit": u} in any of the question's units. */
  function parseQuantity(raw, question) {
    const units = question.units;
    const unitNames = Object.keys(units).join(", ");
    if (isObject(raw)) {
      const keys = Object.keys(raw);
      if (keys.length !== 2 || !hasOwn(raw, "value") || !hasOwn(raw, "unit")) {
        throw new AnswerError('a quantity object has exactly "value" and "unit".');
      }
      if (typeof raw.unit !== "string" || !hasOwn(units, raw.unit)) {
        throw new AnswerError(`unknown unit ${pythonRepr(raw.unit)}; use one of ${unitNames}.`);
      }
      return new Quantity(parseNumber(raw.value), raw.unit, exactFactor(units[raw.unit]));
    }
    try {
      return new Quantity(parseNumber(raw), question.unit);
    } catch (problem) {
      if (!(problem instanceof AnswerError)) throw problem;
      throw new AnswerError(`${pythonRepr(raw)} is not a number in ${question.unit} `
        + `or {"value": n, "unit": u} with u one of ${unitNames}.`);
    }
  }

  const LIMITS = [ // dictionary keyword, rules-file equivalent, test, words
    ["minimum", "minimum", (order) => order >= 0, "at least"],
    ["maximum", "maximum", (order) => order <= 0, "at most"],
    ["exclusiveMinimum", "exclusive_minimum", (order) => order > 0, "more than"],
    ["exclusiveMaximum", "exclusive_maximum", (order) => order < 0, "less than"],
  ];

  function checkRange(value, prop, question) {
    if (value instanceof Quantity && value.compare(ZERO) < 0) {
      throw new AnswerError(`${formatValue(value)} is negative; no quantity can be.`);
    }
    const unit = hasOwn(question, "unit") ? question.unit : "";
    for (const [keyword, rulesKeyword, inside, words] of LIMITS) {
      const limit = hasOwn(prop, keyword) ? prop[keyword] : own(question, rulesKeyword);
      if (limit !== undefined && limit !== null && !inside(value.compare(Rational.of(limit)))) {
        const message = `${formatNumber(value)} ${unit} is out of range: must be ${words} ${formatNumber(limit)}.`;
        throw new AnswerError(message.replace(/ {2}/g, " ")); // no unit, no gap
      }
    }
  }

  function parseDate(raw) {
    if (typeof raw !== "string") throw new AnswerError(`${pythonRepr(raw)} is not a date; write it as YYYY-MM-DD.`);
    const day = parseIsoDate(raw);
    if (!day) throw new AnswerError(`${pythonRepr(raw)} is not a real calendar date; write it as YYYY-MM-DD.`);
    if (day.year < FIRST_YEAR || day.year > LAST_YEAR) {
      throw new AnswerError(`${pythonRepr(raw)} is outside the years ${FIRST_YEAR} to ${LAST_YEAR}.`);
    }
    return day;
  }

  /** [fact, problem] for dates that cannot be and direct entries that contradict their inputs. */
  function* semanticProblems(trial, facts, today) {
    const assessed = facts.get("assessment_date") || today;
    for (const fact of trial.notAfterAssessment) { // a birth, a bleed, a last dose, the past events the dictionary marks
      const day = facts.get(fact);
      if (day instanceof Day && day.days > assessed.days) {
        yield [fact, `${day.iso()} is after the assessment date ${assessed.iso()}.`];
      }
    }
    yield* contradictions(trial, facts, assessed);
  }

  /** A typed value of a calculated fact must agree with the calculation and lie on the same side
   * of every limit: the calculated value decides, and no tolerance may carry a value across. */
  function* contradictions(trial, facts, assessed) {
    const everything = new Set(facts.keys()); // a contradiction is one whatever the values' plausibility
    for (const [fact, spec] of Object.entries(trial.derived)) {
      if (!facts.has(fact)) continue;
      // Derive from everything except this direct entry (other direct entries still feed it).
      const others = new Map([...facts].filter(([name]) => name !== fact));
      const derived = new Context(trial, others, assessed, { confirmed: everything }).calculation(fact).value;
      if (derived === null) continue;
      const sources = trial.inOrder(inputsOf(spec)).filter((name) => facts.has(name)).join(", ");
      const unit = hasOwn(trial.question(fact), "unit") ? trial.question(fact).unit : "";
      const entry = facts.get(fact);
      if (!agrees(entry, derived, hasOwn(spec, "tolerance") ? spec.tolerance : 0)) {
        yield [fact, `the entry ${say(entry, unit)} contradicts the value ${say(derived, unit, entry)} `
          + `derived from ${sources}; correct one of them or leave this one empty.`];
        continue;
      }
      const crossed = limitCrossed(trial, facts, assessed, fact, everything);
      if (crossed) {
        yield [fact, `the entry ${say(entry, unit)} and the value ${say(derived, unit, entry)} `
          + `calculated from ${sources} fall on different sides of a limit (${crossed}); `
          + "the calculated value decides: correct the inputs or leave this entry empty."];
      }
    }
  }

  /** The first criterion whose status differs with the typed value instead of the calculated one. */
  function limitCrossed(trial, facts, assessed, fact, confirmed) {
    const calculated = new Context(trial, facts, assessed, { confirmed });
    const typed = new Context(trial, facts, assessed, { confirmed, typedFirst: new Set([fact]) });
    for (const criterion of trial.criteria) {
      if (!trial.criterionFacts.get(criterion.id).includes(fact)) continue;
      const byTyped = decide(criterion, typed)[0];
      const byCalculation = decide(criterion, calculated)[0];
      if (byTyped !== byCalculation) {
        return `${criterion.label}: ${byTyped.replace(/_/g, " ")} with the entry, `
          + `${byCalculation.replace(/_/g, " ")} with the calculation`;
      }
    }
    return "";
  }

  /** A value for a message; shown with enough decimals to differ from `other` where it does. */
  function say(value, unit, other = null) {
    if (value instanceof Range) return rstrip(`${formatNumber(value.low)} to ${formatNumber(value.high)} ${unit}`);
    if (typeof value === "boolean" || typeof value === "string" || value === null) return formatValue(value);
    let decimals = 2;
    while (other !== null && decimals < 6 && formatNumber(value, decimals) === formatNumber(other, decimals)
      && !pythonEquals(value, other)) decimals += 1;
    return rstrip(`${formatNumber(value, decimals)} ${unit}`);
  }

  function agrees(entry, derived, tolerance) {
    if (derived instanceof Range) return pythonOrder(derived.low, entry) <= 0 && pythonOrder(entry, derived.high) <= 0;
    if (typeof derived === "boolean" || typeof entry === "boolean") return pythonEquals(entry, derived);
    return Rational.of(entry).minus(derived).abs().compare(exactFactor(tolerance)) <= 0;
  }

  /* ---------- What the page calls ---------- */

  function createTrial(rules, dictionary, version = "") {
    return new Trial(rules, dictionary, version);
  }

  /** {errors, evaluation}: the evaluation document, or errors by fact (as POST /api/evaluate's 400).
   * `confirmed`: the facts whose implausible value a clinician has confirmed (they then count). */
  function evaluateAnswers(trial, answers, today, confirmed = []) {
    const day = parseIsoDate(today);
    if (!day) {
      throw new RangeError(`today must be a YYYY-MM-DD date, not ${today}`);
    }
    const [facts, errors] = validate(trial, answers, day);
    if (errors.size) return { errors: Object.fromEntries(errors), evaluation: null };
    return { errors: {}, evaluation: evaluate(trial, facts, day, confirmed) };
  }

  /** The context the checklist page reads the answers in (view.question_views): the valid answers
   * (the server leaves invalid ones out of a saved draft) on the assessment date, or today. */
  function contextOf(trial, answers, today, confirmed = []) {
    const day = parseIsoDate(today);
    if (!day) throw new RangeError(`today must be a YYYY-MM-DD date, not ${today}`);
    const [facts, errors] = validate(trial, answers, day);
    for (const fact of errors.keys()) facts.delete(fact);
    return new Context(trial, facts, facts.get("assessment_date") || day, { confirmed: new Set(confirmed) });
  }

  /** Today's date on this device, as YYYY-MM-DD (the server uses its own local date). */
  function localToday(now = new Date()) {
    const pad = (number) => String(number).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  Object.assign(engine, {
    createTrial, evaluateAnswers, contextOf, localToday, Rational, Quantity, Range, formatNumber, formatValue,
    formatCompared, showUnit, pythonRepr, RulesError, evaluateExpression, factsRead, inputsOf,
  });
})(typeof module === "object" && module.exports ? module.exports : (globalThis.ChecklistEngine = {}));
