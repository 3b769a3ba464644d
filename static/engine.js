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
 *   const {errors, evaluation} = ChecklistEngine.evaluateAnswers(trial, answers, "2026-06-15");
 *
 * Answers are JSON data, read as the server reads what JSON.stringify sends: an integral number
 * below 1e21 is an int to Python and any other number a float, which only shows in the wording of
 * some error messages. Known limits, all beyond any clinical value: an integer of 1e21 or more in
 * the document becomes a float in JSON; in an error message that quotes a refused value, Unicode
 * characters newer than Python 3.11's tables may be escaped differently, and an object's keys that
 * look like integers come first (JavaScript's order).
 */
(function (engine) {
  "use strict";

  const PRECISION = 28; // Python's default decimal context
  const MEASUREMENT = 12; // values._MEASUREMENT: unit factors and divisions are rounded to this
  const NUMBER_LIMIT = 1e9; // answers.NUMBER_LIMIT
  const SMALLEST_NUMBER = 1e-6; // answers.SMALLEST_NUMBER
  const FIRST_YEAR = 1900, LAST_YEAR = 2199; // answers.YEARS
  const DATED_CALCULATORS = new Set(["age_in_years", "date_within", "washout"]);
  // What Python's str.strip() removes (JavaScript's trim() differs at the edges).
  const PY_WHITESPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a"
    + "\\u2028\\u2029\\u202f\\u205f\\u3000";
  const TRAILING_SPACE = new RegExp(`[${PY_WHITESPACE}]+$`);
  const LEADING_SPACE = new RegExp(`^[${PY_WHITESPACE}]+`);

  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  /** object[key] only when it is the object's own: answers name keys such as "constructor". */
  const own = (object, key) => (object && hasOwn(object, key) ? object[key] : undefined);
  const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
  /** Whether Python's json reads this number as an int (JSON.stringify writes it without a point). */
  const isPythonInt = (number) => Number.isInteger(number) && Math.abs(number) < 1e21;
  const digitCount = (coefficient) => coefficient.toString().length;
  const TEN = 10n;
  const power = (exponent) => TEN ** BigInt(exponent);

  /* ---------- Exact decimals: the part of Python's Decimal the rules need ---------- */

  /** Round a coefficient to `digits` significant digits, half to even: [coefficient, exponent]. */
  function roundCoefficient(coefficient, exponent, digits) {
    const excess = digitCount(coefficient) - digits;
    if (excess <= 0) return [coefficient, exponent];
    const divisor = power(excess);
    let kept = coefficient / divisor;
    const dropped = coefficient % divisor;
    const half = divisor / 2n;
    if (dropped > half || (dropped === half && kept % 2n === 1n)) kept += 1n;
    return roundCoefficient(kept, exponent + excess, digits); // 99.9 can round up to a new digit
  }

  /** A decimal number: sign, BigInt coefficient and base-10 exponent (-0 is kept, as Python does). */
  class Decimal {
    constructor(negative, coefficient, exponent) {
      this.negative = negative;
      this.coefficient = coefficient;
      this.exponent = exponent;
    }

    /** A Decimal from a Decimal, BigInt, JSON number or numeric string (0.1 stays 0.1). */
    static of(value) {
      if (value instanceof Decimal) return value;
      if (typeof value === "bigint") return new Decimal(value < 0n, value < 0n ? -value : value, 0);
      if (typeof value === "number") {
        // As Python's Decimal(str(float)): the shortest digits that give the number back.
        return isPythonInt(value) ? Decimal.of(BigInt(value)) : Decimal.parse(String(value));
      }
      if (typeof value === "string") return Decimal.parse(value);
      throw new TypeError(`not a number: ${pythonRepr(value)}`);
    }

    static parse(text) {
      const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
      if (!match || !(match[2] || match[3])) throw new SyntaxError(`not a decimal number: ${text}`);
      const fraction = match[3] || "";
      return new Decimal(match[1] === "-", BigInt(`${match[2]}${fraction}` || "0"),
        Number(match[4] || 0) - fraction.length);
    }

    static rounded(negative, coefficient, exponent, digits = PRECISION) {
      return new Decimal(negative, ...roundCoefficient(coefficient, exponent, digits));
    }

    isZero() { return this.coefficient === 0n; }

    signed() { return this.negative ? -this.coefficient : this.coefficient; }

    /** -1, 0 or 1; exact, whatever the exponents (-0 equals 0). */
    compare(other) {
      other = Decimal.of(other);
      const exponent = Math.min(this.exponent, other.exponent);
      const left = this.signed() * power(this.exponent - exponent);
      const right = other.signed() * power(other.exponent - exponent);
      return left < right ? -1 : left > right ? 1 : 0;
    }

    plus(other) {
      other = Decimal.of(other);
      const exponent = Math.min(this.exponent, other.exponent);
      const sum = this.signed() * power(this.exponent - exponent) + other.signed() * power(other.exponent - exponent);
      const negative = sum < 0n || (sum === 0n && this.negative && other.negative);
      return Decimal.rounded(negative, negative ? -sum : sum, exponent);
    }

    minus(other) {
      other = Decimal.of(other);
      return this.plus(new Decimal(!other.negative, other.coefficient, other.exponent));
    }

    times(other) {
      other = Decimal.of(other);
      return Decimal.rounded(this.negative !== other.negative, this.coefficient * other.coefficient,
        this.exponent + other.exponent);
    }

    /** The quotient correctly rounded to 28 significant digits, as Python's default context. */
    dividedBy(other) {
      other = Decimal.of(other);
      if (other.isZero()) throw new RangeError("decimal division by zero");
      const negative = this.negative !== other.negative;
      if (this.isZero()) return new Decimal(negative, 0n, this.exponent - other.exponent);
      // Two digits more than needed, then a sticky 1 when inexact, so no tie is ever invented.
      const shift = Math.max(0, PRECISION + 2 + digitCount(other.coefficient) - digitCount(this.coefficient));
      const scaled = this.coefficient * power(shift);
      let quotient = scaled / other.coefficient;
      let exponent = this.exponent - other.exponent - shift;
      if (scaled % other.coefficient !== 0n) {
        quotient = quotient * TEN + 1n;
        exponent -= 1;
      }
      return Decimal.rounded(negative, quotient, exponent);
    }

    abs() { return new Decimal(false, this.coefficient, this.exponent); }

    /** Context(prec=digits).plus(self): values.convert and values.at_measurement_precision. */
    roundSignificant(digits) {
      return Decimal.rounded(this.negative && !this.isZero(), this.coefficient, this.exponent, digits);
    }

    isInteger() {
      return this.exponent >= 0 || this.coefficient % power(-this.exponent) === 0n;
    }

    /** int(self) for an integral value, as a Decimal with exponent 0 (no -0). */
    toInteger() {
      const whole = this.exponent >= 0 ? this.coefficient * power(this.exponent)
        : this.coefficient / power(-this.exponent);
      return Decimal.of(this.negative ? -whole : whole);
    }

    /** self.quantize(Decimal("1e<exponent>")), half to even; too many digits fails as in Python. */
    quantize(exponent) {
      let coefficient;
      if (this.exponent >= exponent) {
        coefficient = this.coefficient * power(this.exponent - exponent);
      } else {
        const divisor = power(exponent - this.exponent);
        const dropped = this.coefficient % divisor;
        const half = divisor / 2n;
        coefficient = this.coefficient / divisor;
        if (dropped > half || (dropped === half && coefficient % 2n === 1n)) coefficient += 1n;
      }
      if (digitCount(coefficient) > PRECISION) {
        throw new RangeError("decimal quantize needs more than 28 digits (Python: InvalidOperation)");
      }
      return new Decimal(this.negative, coefficient, exponent);
    }

    /** Python's format(self, ",f") (grouping optional): every digit, no exponent. */
    toFixedString(grouping = false) {
      let whole = "0";
      let fraction = "";
      const digits = this.coefficient.toString();
      if (this.exponent >= 0) {
        if (!this.isZero()) whole = digits + "0".repeat(this.exponent);
      } else {
        const padded = digits.padStart(1 - this.exponent, "0");
        whole = padded.slice(0, this.exponent);
        fraction = padded.slice(this.exponent);
      }
      if (grouping) whole = whole.replace(/\B(?=(\d{3})+$)/g, ",");
      return `${this.negative ? "-" : ""}${whole}${fraction ? "." + fraction : ""}`;
    }

    /** float(self), or the int it equals: the number JSON carries. */
    toNumber() {
      const number = Number(`${this.negative ? "-" : ""}${this.coefficient}e${this.exponent}`);
      return number === 0 ? 0 : number;
    }
  }

  const ZERO = Decimal.of(0n);

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

  function windowStart(end, window) {
    return hasOwn(window, "months") ? monthsBefore(end, window.months) : end.plusDays(-window.days);
  }

  function describeWindow(window) {
    const [[unit, count]] = Object.entries(window);
    return `${pythonRepr(count)} ${count !== 1 ? unit : unit.replace(/s+$/, "")}`;
  }

  /* ---------- Python's wording of values ---------- */

  /** A partly answered score: known only to lie between low and high (inclusive). */
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
    const parsed = Decimal.parse(String(Math.abs(number)));
    const digits = parsed.coefficient.toString().replace(/0+$/, "") || "0";
    const exponent = parsed.exponent + digitCount(parsed.coefficient) - 1; // of the first digit
    const sign = number < 0 ? "-" : "";
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

  /** values.format_number: thousands separators, at most two decimals, no trailing zeros. */
  function formatNumber(value) {
    const number = Decimal.of(value);
    const rounded = number.isInteger() ? number : number.quantize(-2);
    const text = rounded.toFixedString(true);
    return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  }

  /** values.format_value: a value as a clinician would read it. */
  function formatValue(value, unit = "", choices = null) {
    if (typeof value === "boolean") return value ? "yes" : "no";
    if (value instanceof Range) return `${formatNumber(value.low)} to ${formatNumber(value.high)}`;
    if (value instanceof Decimal || typeof value === "number") {
      return `${formatNumber(value)} ${unit}`.replace(TRAILING_SPACE, "");
    }
    if (value instanceof Day) return value.iso();
    if (choices && typeof value === "string" && hasOwn(choices, value)) return choices[value];
    return typeof value === "string" ? value : pythonRepr(value);
  }

  /** values.plain: a value as JSON data. */
  function plain(value) {
    if (value instanceof Decimal) return value.toNumber();
    if (value instanceof Day) return value.iso();
    return value;
  }

  /** str(plain(value)) in Python, for messages that quote an entry: 7, 72.4, True. */
  function plainText(value) {
    if (typeof value === "boolean") return value ? "True" : "False";
    if (value instanceof Decimal) {
      return value.isInteger() ? value.toInteger().toFixedString() : floatRepr(value.toNumber());
    }
    return String(plain(value));
  }

  /* ---------- Comparisons, three-valued over Ranges (values.compare) ---------- */

  /** Python's == between the values the engine holds (a bool equals 0 or 1, as in Python). */
  function pythonEquals(left, right) {
    const numeric = (value) => (typeof value === "boolean" ? Decimal.of(value ? 1n : 0n) : value);
    if (typeof left === "boolean" && typeof right === "boolean") return left === right;
    left = numeric(left);
    right = numeric(right);
    if (left instanceof Decimal && right instanceof Decimal) return left.compare(right) === 0;
    if (left instanceof Day && right instanceof Day) return left.days === right.days;
    return typeof left === "string" && left === right;
  }

  /** Python's ordering of two numbers or two dates; other pairs are a TypeError, as in Python. */
  function pythonOrder(left, right) {
    const numeric = (value) => (typeof value === "boolean" ? Decimal.of(value ? 1n : 0n) : value);
    left = numeric(left);
    right = numeric(right);
    if (left instanceof Decimal && right instanceof Decimal) return left.compare(right);
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
      const overlap = left.low.compare(right.high) <= 0 && right.low.compare(left.high) <= 0;
      const single = [left.high, right.low, right.high].every((end) => left.low.compare(end) === 0);
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
      this.value = value;
      this.note = note;
    }
  }

  const BAND_TESTS = {
    below: (value, limit) => value.compare(limit) < 0,
    at_most: (value, limit) => value.compare(limit) <= 0,
    above: (value, limit) => value.compare(limit) > 0,
    at_least: (value, limit) => value.compare(limit) >= 0,
  };

  function inBand(band, value) {
    return Object.entries(BAND_TESTS).every(([key, test]) => !hasOwn(band, key) || test(value, Decimal.of(band[key])));
  }

  function firstBand(bands, value) {
    const band = bands.find((candidate) => inBand(candidate, value));
    if (!band) throw new RangeError("no band takes this value");
    return band;
  }

  const partPoints = (part) => (hasOwn(part, "choices") ? Object.values(part.choices)
    : part.bands.map((band) => band.points));
  const pointsFor = (part, value) => (hasOwn(part, "choices") ? part.choices[value]
    : firstBand(part.bands, value).points);

  function pointsSum(spec, valueOf) {
    let low = 0;
    let high = 0;
    const known = [];
    const unanswered = [];
    for (const part of spec.parts) {
      const value = valueOf(part.fact);
      if (value === null) {
        const options = partPoints(part);
        low += Math.min(...options);
        high += Math.max(...options);
        unanswered.push(part.label);
        continue;
      }
      const points = pointsFor(part, value);
      low += points;
      high += points;
      known.push(`${part.label} ${points}`);
    }
    let note = known.join(", ") + (known.length ? " points" : "");
    if (unanswered.length) {
      note = [note, "not yet answered: " + unanswered.join(", ")].filter(Boolean).join("; ");
      return new Calculation(new Range(Decimal.of(low), Decimal.of(high), note), note);
    }
    return new Calculation(Decimal.of(low), note);
  }

  function bands(spec, valueOf) {
    const value = valueOf(spec.input);
    if (value === null) return new Calculation();
    if (value instanceof Range) {
      const [low, high] = [value.low, value.high].map((end) => firstBand(spec.bands, end).label);
      return new Calculation(low === high ? low : null);
    }
    return new Calculation(firstBand(spec.bands, value).label);
  }

  function cockcroftGault(spec, valueOf) {
    const inputs = {};
    for (const [name, fact] of Object.entries(spec.inputs)) inputs[name] = valueOf(fact);
    if (Object.values(inputs).some((value) => value === null)) return new Calculation();
    let clearance = Decimal.of(140n).minus(inputs.age).times(inputs.weight)
      .dividedBy(Decimal.of(72n).times(inputs.creatinine));
    const female = inputs.sex === spec.female;
    if (female) clearance = clearance.times(Decimal.parse("0.85"));
    const note = `Cockcroft-Gault: (140 - ${plainText(inputs.age)}) x ${formatNumber(inputs.weight)} kg`
      + ` / (72 x ${formatNumber(inputs.creatinine)} mg/dL)` + (female ? " x 0.85" : "");
    return new Calculation((clearance.compare(ZERO) < 0 ? ZERO : clearance).roundSignificant(MEASUREMENT), note);
  }

  function ageInYears(spec, valueOf, assessmentDate) {
    const born = valueOf(spec.input);
    if (born === null) return new Calculation();
    const hadBirthday = assessmentDate.month > born.month
      || (assessmentDate.month === born.month && assessmentDate.day >= born.day);
    return new Calculation(Decimal.of(BigInt(assessmentDate.year - born.year - (hadBirthday ? 0 : 1))),
      `born ${born.iso()}`);
  }

  function dateWithin(spec, valueOf, assessmentDate) {
    const day = valueOf(spec.input);
    if (day === null) return new Calculation();
    const inside = windowStart(assessmentDate, spec.window).days <= day.days && day.days <= assessmentDate.days;
    return new Calculation(inside, `on ${day.iso()}`);
  }

  function washout(spec, valueOf, assessmentDate) {
    const lastDose = valueOf(spec.inputs.last_dose);
    if (lastDose === null) return new Calculation();
    const elapsed = assessmentDate.days - lastDose.days;
    const halfLife = valueOf(spec.inputs.half_life_days);
    if (halfLife === null) {
      if (elapsed <= spec.minimum_days) {
        return new Calculation(true, `last dose ${elapsed} days ago, within ${pythonRepr(spec.minimum_days)} days`);
      }
      return new Calculation();
    }
    const minimum = Decimal.of(spec.minimum_days);
    const scaled = Decimal.of(spec.half_lives).times(halfLife);
    const period = scaled.compare(minimum) > 0 ? scaled : minimum;
    return new Calculation(period.compare(elapsed) >= 0,
      `last dose ${elapsed} days ago; washout ${formatNumber(period)} days`);
  }

  function ratio(spec, valueOf) {
    const numerator = valueOf(spec.inputs.numerator);
    const denominator = valueOf(spec.inputs.denominator);
    if (numerator === null || denominator === null) return new Calculation();
    return new Calculation(numerator.dividedBy(denominator).roundSignificant(MEASUREMENT));
  }

  const CALCULATORS = {
    points_sum: pointsSum,
    bands,
    cockcroft_gault: cockcroftGault,
    age_in_years: ageInYears,
    date_within: dateWithin,
    washout,
    ratio,
  };

  /** The facts a derived entry reads, in the order it names them. */
  function inputsOf(spec) {
    if (hasOwn(spec, "parts")) return spec.parts.map((part) => part.fact);
    if (hasOwn(spec, "inputs")) return Object.values(spec.inputs);
    return [spec.input];
  }

  function calculate(spec, valueOf, assessmentDate) {
    const calculator = own(CALCULATORS, spec.calculator);
    if (!calculator) throw new RulesError(`unknown calculator ${pythonRepr(spec.calculator)}`);
    return calculator(spec, valueOf, assessmentDate);
  }

  /* ---------- The rules language (expressions.py) ---------- */

  class RulesError extends Error {}

  class Outcome {
    constructor(value, text = "", missing = [], fact = null) {
      this.value = value; // null while unknown
      this.text = text;
      this.missing = missing;
      this.fact = fact; // set on a bare {"var": ...}, so literals beside it speak its choices
    }
  }

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
      const number = Decimal.of(expression);
      return new Outcome(number, formatValue(number));
    }
    return new Outcome(expression, formatValue(expression));
  }

  function variable(fact, context) {
    const value = context.value(fact);
    const missing = Context.isOpen(value) ? context.missingFor(fact) : [];
    return new Outcome(value, context.describe(fact), missing, fact);
  }

  function multiply(terms, context) {
    const outcomes = terms.map((term) => evaluateExpression(term, context));
    const missing = missingOf(outcomes);
    if (missing.length || outcomes.some((term) => term.value === null)) return new Outcome(null, "", missing);
    const product = outcomes.reduce((total, term) => total.times(term.value), Decimal.of(1n));
    return new Outcome(product, outcomes.map((term) => term.text).join(" x "));
  }

  const PHRASES = { // operator: [said when true, said when false]
    ">=": ["is at least", "is below"],
    ">": ["is above", "is at most"],
    "<=": ["is at most", "is above"],
    "<": ["is below", "is at least"],
  };

  function comparison(operator) {
    return function compareTerms(argumentsList, context) {
      const [left, right] = argumentsList.map((argument) => evaluateExpression(argument, context));
      if (left.value === null || right.value === null) return new Outcome(null, "", missingOf([left, right]));
      const value = compare(operator, left.value, right.value);
      if (value === null) return new Outcome(null, left.text, missingOf([left, right]));
      return new Outcome(value, sayComparison(operator, value, left, right, context));
    };
  }

  function sayComparison(operator, value, left, right, context) {
    if (hasOwn(PHRASES, operator)) return `${left.text} ${PHRASES[operator][value ? 0 : 1]} ${right.text}`;
    const expected = left.fact ? context.sayChoice(left.fact, right.value) : right.text;
    if (value) return left.text;
    return operator === "==" ? `${left.text} (required: ${expected})` : `${left.text} (must not be ${expected})`;
  }

  function member([termExpression, options], context) {
    const term = evaluateExpression(termExpression, context);
    if (term.value === null) return new Outcome(null, "", term.missing);
    // An option 1.1 means the decimal 1.1. Python compares Decimal("1.1") with the float 1.1 by its
    // binary value and finds them unequal: a latent bug there (no rule yet lists such an option).
    const written = (option) => (typeof option === "number" ? Decimal.of(option) : option);
    if (options.some((option) => pythonEquals(term.value, written(option)))) {
      return new Outcome(true, term.text);
    }
    const allowed = options.map((option) => context.sayChoice(term.fact, option)).join(", ");
    return new Outcome(false, `${term.text} (required: ${allowed})`);
  }

  function every(expressions, context) {
    const parts = expressions.map((expression) => evaluateExpression(expression, context));
    const failed = parts.filter((part) => part.value === false);
    if (failed.length) return new Outcome(false, join(failed));
    if (parts.every((part) => part.value === true)) return new Outcome(true, join(parts));
    return new Outcome(null, join(parts.filter((part) => part.value !== true)), missingOf(parts));
  }

  function some(expressions, context) {
    const parts = expressions.map((expression) => evaluateExpression(expression, context));
    const satisfied = parts.find((part) => part.value === true);
    if (satisfied) return new Outcome(true, satisfied.text);
    if (parts.every((part) => part.value === false)) return new Outcome(false, join(parts));
    return new Outcome(null, join(parts.filter((part) => part.value === null)), missingOf(parts));
  }

  /** Python's truth value of what an expression may hold. */
  function truthy(value) {
    if (value instanceof Decimal) return !value.isZero();
    if (typeof value === "string") return value !== "";
    return Boolean(value);
  }

  function negate(expression, context) {
    const inner = evaluateExpression(expression, context);
    return new Outcome(inner.value === null ? null : !truthy(inner.value), inner.text, inner.missing);
  }

  /** A date on or after the assessment date minus the window, and not after it. */
  function within([termExpression, window], context) {
    const term = evaluateExpression(termExpression, context);
    if (term.value === null) return new Outcome(null, "", term.missing);
    if (!(term.value instanceof Day)) throw new TypeError("within needs a date");
    const end = context.assessmentDate;
    const inside = windowStart(end, window).days <= term.value.days && term.value.days <= end.days;
    const where = inside ? "within" : "not within";
    return new Outcome(inside, `${term.text} is ${where} ${describeWindow(window)} before ${end.iso()}`);
  }

  /** True when its condition holds; otherwise pending (unknown), never failed. */
  function awaits(expression, context) {
    const inner = evaluateExpression(expression, context);
    if (inner.value === false) return new Outcome(null, `${inner.text}; awaiting a new answer`, factsRead(expression));
    return inner;
  }

  /** A partly answered score (a Range) is as open as an unanswered fact. */
  function missingOf(parts) {
    return parts.filter((part) => part.value === null || part.value instanceof Range).flatMap((part) => part.missing);
  }

  /** Two parts reading one fact (coverage not denied, coverage confirmed) say it once. */
  function join(parts) {
    return [...new Set(parts.map((part) => part.text).filter(Boolean))].join("; ");
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
    awaits,
  };

  /** Every fact an expression names, in order of appearance, without repeats. */
  function factsRead(expression) {
    const found = [];
    const walk = (node) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (isObject(node)) {
        for (const [operator, argument] of Object.entries(node)) {
          if (operator === "var") found.push(argument);
          else walk(argument);
        }
      }
    };
    walk(expression);
    return [...new Set(found)];
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
      return [...new Set(facts)].sort((a, b) => rank(a) - rank(b));
    }
  }

  /* ---------- The engine (engine.py) ---------- */

  const PASSING = new Set(["met", "not_applicable", "eligible"]);
  const FAILING = new Set(["not_met", "ineligible"]);

  /** What expressions may ask of the answers: values (derived when needed), words, gaps. */
  class Context {
    constructor(trial, facts, assessmentDate) {
      this.trial = trial;
      this.facts = facts; // Map of canonical values
      this.assessmentDate = assessmentDate;
      this.calculations = new Map();
      this.value = this.value.bind(this);
    }

    static isOpen(value) { return value === null || value instanceof Range; }

    /** The answered value, else the derived one; null while unknown, a Range while partial. */
    value(fact) {
      if (this.facts.has(fact)) return this.facts.get(fact);
      if (hasOwn(this.trial.derived, fact)) return this.calculation(fact).value;
      return null;
    }

    calculation(fact) {
      if (!this.calculations.has(fact)) {
        this.calculations.set(fact, calculate(this.trial.derived[fact], this.value, this.assessmentDate));
      }
      return this.calculations.get(fact);
    }

    /** The fact itself (if it can be asked) and, for a derived one, its inputs still open. */
    missingFor(fact) {
      if (this.facts.has(fact)) return [];
      const missing = hasOwn(this.trial.questions, fact) ? [fact] : [];
      const spec = own(this.trial.derived, fact);
      if (spec) {
        for (const source of inputsOf(spec)) {
          if (Context.isOpen(this.value(source))) missing.push(...this.missingFor(source));
        }
      }
      return missing;
    }

    label(fact) {
      const entry = own(this.trial.questions, fact) || own(this.trial.derived, fact) || {};
      return hasOwn(entry, "label") ? entry.label : fact;
    }

    /** 'Platelets 45,000 cells/mm3', 'Macrovascular invasion: no', with how a value was derived. */
    describe(fact) {
      const value = this.value(fact);
      const question = own(this.trial.questions, fact) || {};
      const label = this.label(fact);
      if (value === null) return label;
      const text = typeof value === "boolean" || typeof value === "string"
        ? `${label}: ${this.sayChoice(fact, value)}`
        : `${label} ${formatValue(value, hasOwn(question, "unit") ? question.unit : "")}`;
      const derived = hasOwn(this.trial.derived, fact) && !this.facts.has(fact);
      const note = derived ? this.calculation(fact).note : "";
      return note ? `${text} (${note})` : text;
    }

    sayChoice(fact, value) {
      const question = own(this.trial.questions, fact);
      return formatValue(value, "", question ? question.choices : null);
    }
  }

  function evaluate(trial, facts, today) {
    const context = new Context(trial, facts, facts.get("assessment_date") || today);
    const judged = trial.criteria.map((criterion) => judge(criterion, context));
    const steps = {};
    for (const step of trial.rules.steps) {
      const inStep = judged.filter((entry) => entry.criterion.step === step.id);
      steps[step.id] = verdictOf(inStep.map((entry) => entry.criterion.status));
    }
    return {
      trial: trial.id,
      rules_version: trial.version,
      assessment_date: context.assessmentDate.iso(),
      verdict: verdictOf(Object.values(steps)),
      steps,
      criteria: judged.map((entry) => entry.criterion),
      derived: derivedValues(context),
      missing: trial.inOrder(judged.flatMap((entry) => entry.missing)),
      permitted: (trial.rules.permitted || []).map((item) => permitted(item, context)),
    };
  }

  /** One criterion's status, reason and the facts that would decide it. */
  function judge(criterion, context) {
    const applies = evaluateExpression(hasOwn(criterion, "applies") ? criterion.applies : true, context);
    const result = evaluateExpression(criterion.require, context);
    let missing = [];
    let status;
    let reason;
    if (applies.value === false) {
      [status, reason] = ["not_applicable", `Not applicable: ${applies.text}`];
    } else if (result.value === true) {
      [status, reason] = ["met", result.text];
    } else if (result.value === false && applies.value === true) {
      [status, reason] = ["not_met", result.text];
    } else {
      [status, reason] = ["unknown", result.text];
      missing = [...(result.value === null ? result.missing : []), ...applies.missing];
      if (!reason) {
        reason = "Still to answer: " + context.trial.inOrder(missing).map((fact) => context.label(fact)).join(", ");
      }
    }
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

  function sentence(text) {
    text = text.replace(LEADING_SPACE, "").replace(TRAILING_SPACE, "");
    if (!text) return "";
    const first = String.fromCodePoint(text.codePointAt(0));
    text = first.toUpperCase() + text.slice(first.length);
    return text.endsWith(".") ? text : text + ".";
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
      if (!Context.isOpen(value)) values[name] = plain(value instanceof Decimal ? value.quantize(-2) : value);
    }
    return values;
  }

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

  const QUANTITY = "#/$defs/quantity";

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

  /** One answer as its canonical value: a Decimal, an enum string, a boolean or a Day. */
  function parseValue(trial, fact, raw) {
    const prop = trial.dictionary.properties[fact];
    const question = own(trial.questions, fact) || {};
    if (prop.$ref === "#/$defs/date") return parseDate(raw);
    let value;
    if (prop.$ref === QUANTITY) {
      value = parseQuantity(raw, prop);
    } else if (hasOwn(prop, "enum")) {
      if (typeof raw !== "string" || !prop.enum.includes(raw)) {
        throw new AnswerError(`${pythonRepr(raw)} is not one of ${prop.enum.join(", ")}.`);
      }
      return raw;
    } else if (prop.type === "boolean") {
      if (typeof raw !== "boolean") throw new AnswerError(`${pythonRepr(raw)} is not true or false.`);
      return raw;
    } else if (prop.type === "integer") {
      value = parseNumber(raw);
      if (!value.isInteger()) throw new AnswerError(`${pythonRepr(raw)} is not a whole number.`);
      value = value.toInteger();
    } else {
      value = parseNumber(raw);
    }
    checkRange(value, prop, question);
    return value;
  }

  function parseNumber(raw) {
    if (typeof raw !== "number") throw new AnswerError(`${pythonRepr(raw)} is not a number.`);
    if (!Number.isFinite(raw)) throw new AnswerError("must be a finite number.");
    const value = Decimal.of(raw);
    const size = value.abs();
    if (size.compare(NUMBER_LIMIT) > 0 || (size.compare(ZERO) > 0 && size.compare(SMALLEST_NUMBER) < 0)) {
      throw new AnswerError(`${pythonRepr(raw)} is not a plausible number.`);
    }
    return value;
  }

  function parseQuantity(raw, prop) {
    const units = prop["x-units"];
    const unitNames = Object.keys(units).join(", ");
    if (isObject(raw)) {
      const keys = Object.keys(raw);
      if (keys.length !== 2 || !hasOwn(raw, "value") || !hasOwn(raw, "unit")) {
        throw new AnswerError('a quantity object has exactly "value" and "unit".');
      }
      if (typeof raw.unit !== "string" || !hasOwn(units, raw.unit)) {
        throw new AnswerError(`unknown unit ${pythonRepr(raw.unit)}; use one of ${unitNames}.`);
      }
      return convert(parseNumber(raw.value), units[raw.unit]);
    }
    try {
      return parseNumber(raw);
    } catch (problem) {
      if (!(problem instanceof AnswerError)) throw problem;
      throw new AnswerError(`${pythonRepr(raw)} is not a number in ${prop["x-unit"]} `
        + `or {"value": n, "unit": u} with u one of ${unitNames}.`);
    }
  }

  /** values.convert: value times a unit factor, at measurement precision. */
  function convert(value, factor) {
    return Decimal.of(value).times(Decimal.of(factor)).roundSignificant(MEASUREMENT);
  }

  function checkRange(value, prop, question) {
    if (prop.$ref === QUANTITY && value.compare(ZERO) < 0) {
      throw new AnswerError(`${formatNumber(value)} is negative; no quantity can be.`);
    }
    const unit = hasOwn(question, "unit") ? question.unit : "";
    const limits = [
      [prop.minimum, (order) => order >= 0, "at least"],
      [prop.maximum, (order) => order <= 0, "at most"],
      [hasOwn(prop, "exclusiveMinimum") ? prop.exclusiveMinimum : question.exclusive_minimum,
        (order) => order > 0, "more than"],
    ];
    for (const [limit, inside, words] of limits) {
      if (limit !== undefined && limit !== null && !inside(value.compare(Decimal.of(limit)))) {
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
    for (const spec of Object.values(trial.derived)) {
      if (!DATED_CALCULATORS.has(spec.calculator)) continue;
      const source = spec.input || Object.values(spec.inputs)[0];
      const day = facts.get(source);
      if (day instanceof Day && day.days > assessed.days) {
        yield [source, `${day.iso()} is after the assessment date ${assessed.iso()}.`];
      }
    }
    yield* contradictions(trial, facts, assessed);
  }

  function* contradictions(trial, facts, assessed) {
    for (const [fact, spec] of Object.entries(trial.derived)) {
      if (!facts.has(fact)) continue;
      // Derive from everything except this direct entry (other direct entries still feed it).
      const others = new Map([...facts].filter(([name]) => name !== fact));
      const derived = new Context(trial, others, assessed).calculation(fact).value;
      const tolerance = hasOwn(spec, "tolerance") ? spec.tolerance : 0;
      if (derived === null || agrees(facts.get(fact), derived, tolerance)) continue;
      const shown = derived instanceof Range ? `${plainText(derived.low)} to ${plainText(derived.high)}`
        : plainText(derived);
      const sources = trial.inOrder(inputsOf(spec)).filter((name) => facts.has(name)).join(", ");
      yield [fact, `the entry ${plainText(facts.get(fact))} contradicts the value ${shown} derived from `
        + `${sources}; correct one of them or leave this one empty.`];
    }
  }

  function agrees(entry, derived, tolerance) {
    if (derived instanceof Range) return derived.low.compare(entry) <= 0 && entry.compare(derived.high) <= 0;
    if (typeof derived === "boolean" || typeof entry === "boolean") return pythonEquals(entry, derived);
    return Decimal.of(entry).minus(derived).abs().compare(Decimal.of(tolerance)) <= 0;
  }

  /* ---------- What the page calls ---------- */

  function createTrial(rules, dictionary, version = "") {
    return new Trial(rules, dictionary, version);
  }

  /** {errors, evaluation}: the evaluation document, or errors by fact (as POST /api/evaluate's 400). */
  function evaluateAnswers(trial, answers, today) {
    const day = parseIsoDate(today);
    if (!day) {
      throw new RangeError(`today must be a YYYY-MM-DD date, not ${today}`);
    }
    const [facts, errors] = validate(trial, answers, day);
    if (errors.size) return { errors: Object.fromEntries(errors), evaluation: null };
    return { errors: {}, evaluation: evaluate(trial, facts, day) };
  }

  /** Today's date on this device, as YYYY-MM-DD (the server uses its own local date). */
  function localToday(now = new Date()) {
    const pad = (number) => String(number).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  Object.assign(engine, { createTrial, evaluateAnswers, localToday, Decimal, formatNumber, pythonRepr, RulesError });
})(typeof module === "object" && module.exports ? module.exports : (globalThis.ChecklistEngine = {}));
