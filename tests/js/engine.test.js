// The JavaScript engine's own behaviour (static/engine.js): `node --test tests/js/`.
// tests/test_parity.py proves it gives the Python engine's documents; these tests say what it does.
"use strict";

const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const test = require("node:test");
const vm = require("node:vm");

const ROOT = path.join(__dirname, "..", "..");
const ENGINE_FILE = path.join(ROOT, "static", "engine.js");
const engine = require(ENGINE_FILE);
const { Decimal, formatNumber, pythonRepr } = engine;

const readJson = (...parts) => JSON.parse(fs.readFileSync(path.join(ROOT, ...parts), "utf8"));
const trial = engine.createTrial(readJson("rules.json"), readJson("helio-rt", "answers.schema.json"), "version-1");
const TODAY = "2026-06-15";
const evaluate = (answers, today = TODAY) => engine.evaluateAnswers(trial, answers, today);
const criterion = (result, id) => result.evaluation.criteria.find((entry) => entry.id === id);
const decimal = (text) => Decimal.parse(text);

// Exact decimals

test("51.3 umol/L of bilirubin is exactly 3 mg/dL, so it fails < 4 x a ULN of 0.75 where floats pass it", () => {
  assert.ok(51.3 * 0.05847953216374269 < 3); // why the engine does not use floats
  const result = evaluate({ total_bilirubin: { value: 51.3, unit: "umol/L" }, bilirubin_uln: 0.75 });
  assert.equal(criterion(result, "bilirubin").status, "not_met");
  assert.equal(criterion(result, "bilirubin").reason,
    "Total bilirubin 3 mg/dL is at least 4 x Bilirubin upper limit of normal 0.75 mg/dL.");
});

test("34.2 umol/L of bilirubin is exactly 2 mg/dL", () => {
  const result = evaluate({ total_bilirubin: { value: 34.2, unit: "umol/L" }, bilirubin_uln: 1 });
  assert.equal(result.evaluation.derived.bilirubin_x_uln, 2);
  assert.match(criterion(result, "bilirubin").reason, /^Total bilirubin 2 mg\/dL is below/);
});

test("decimal addition is exact", () => {
  assert.equal(decimal("0.1").plus(decimal("0.2")).compare(decimal("0.3")), 0);
});

test("decimal division rounds to 28 significant digits, half to even", () => {
  assert.equal(decimal("2").dividedBy(decimal("3")).toFixedString(), "0.6666666666666666666666666667");
  assert.equal(decimal("1").dividedBy(decimal("8")).compare(decimal("0.125")), 0);
});

test("a quotient just above a half at the 29th digit rounds up", () => {
  const above = decimal("7.00000000000000000000000000350000001").dividedBy(decimal("7"));
  const half = decimal("7.0000000000000000000000000035").dividedBy(decimal("7"));
  assert.equal(above.toFixedString(), "1.000000000000000000000000001");
  assert.equal(half.toFixedString(), "1.000000000000000000000000000");
});

test("measurement precision rounds to 12 significant digits, half to even", () => {
  assert.equal(decimal("1.000000000005").roundSignificant(12).toFixedString(), "1.00000000000");
  assert.equal(decimal("1.000000000015").roundSignificant(12).toFixedString(), "1.00000000002");
  assert.equal(decimal("1.9999999999999999").roundSignificant(12).toFixedString(), "2.00000000000");
});

test("two decimals round half to even on the exact value", () => {
  assert.equal(decimal("2.675").quantize(-2).toFixedString(), "2.68");
  assert.equal(decimal("2.665").quantize(-2).toFixedString(), "2.66");
});

test("quantizing past 28 digits fails, as Python's InvalidOperation", () => {
  assert.throws(() => decimal("1e27").quantize(-2), RangeError);
});

test("comparison is exact across exponents and zero signs", () => {
  assert.equal(decimal("-0.0").compare(decimal("0")), 0);
  assert.equal(decimal("1e-300").compare(decimal("1e9")), -1);
  assert.equal(decimal("2.50").compare(decimal("2.5")), 0);
});

test("a JSON number becomes the decimal that was typed", () => {
  assert.equal(Decimal.of(0.1).toFixedString(), "0.1");
  assert.equal(Decimal.of(1e-7).toFixedString(), "0.0000001");
  assert.equal(Decimal.of(12345678901234567890).toFixedString(), "12345678901234567168");
});

// Wording

test("numbers read with thousands separators and at most two decimals", () => {
  assert.equal(formatNumber(60000), "60,000");
  assert.equal(formatNumber(1234567.891), "1,234,567.89");
  assert.equal(formatNumber(decimal("2.50")), "2.5");
  assert.equal(formatNumber(decimal("2.00000000000")), "2");
  assert.equal(formatNumber(0.125), "0.12");
});

test("a tiny negative number reads -0, as Python writes it", () => {
  assert.equal(formatNumber(-0.001), "-0");
});

test("values are quoted in messages as Python's repr quotes them", () => {
  assert.equal(pythonRepr("lots"), "'lots'");
  assert.equal(pythonRepr("it's"), `"it's"`);
  assert.equal(pythonRepr("a\nb\u200bé😀"), "'a\\nb\\u200bé😀'");
  assert.equal(pythonRepr([1, 1.5, true, null, { a: "b" }]), "[1, 1.5, True, None, {'a': 'b'}]");
  assert.equal(pythonRepr(1e21), "1e+21");
  assert.equal(pythonRepr(1e-7), "1e-07");
  assert.equal(pythonRepr(0.0001), "0.0001");
});

// Dates

const bleedWithin6Months = (assessed, bleed) => evaluate({
  assessment_date: assessed, last_significant_bleed_date: bleed,
}).evaluation.derived.significant_bleed_within_6_months;

test("six months before 31 August is 28 February", () => {
  assert.equal(bleedWithin6Months("2026-08-31", "2026-02-28"), true);
  assert.equal(bleedWithin6Months("2026-08-31", "2026-02-27"), false);
});

test("six months before 31 August of a leap year is 29 February", () => {
  assert.equal(bleedWithin6Months("2024-08-31", "2024-02-29"), true);
  assert.equal(bleedWithin6Months("2024-08-31", "2024-02-28"), false);
});

test("age counts whole years and turns on the birthday", () => {
  const age = (day) => evaluate({ assessment_date: day, date_of_birth: "2008-06-15" }).evaluation.derived.age_years;
  assert.equal(age("2026-06-14"), 17);
  assert.equal(age("2026-06-15"), 18);
});

test("someone born on 29 February turns 18 on 1 March in a common year", () => {
  const age = (day) => evaluate({ assessment_date: day, date_of_birth: "2008-02-29" }).evaluation.derived.age_years;
  assert.equal(age("2026-02-28"), 17);
  assert.equal(age("2026-03-01"), 18);
});

test("a negative pregnancy test 31 days old awaits a new one", () => {
  const answers = { childbearing_potential: true, pregnancy_test_result: "negative" };
  const result = evaluate({ ...answers, pregnancy_test_date: "2026-05-15" });
  assert.equal(criterion(result, "pregnancy_test").status, "unknown");
  assert.equal(criterion(result, "pregnancy_test").reason,
    "Pregnancy test date 2026-05-15 is not within 30 days before 2026-06-15; awaiting a new answer.");
  assert.equal(criterion(evaluate({ ...answers, pregnancy_test_date: "2026-05-16" }), "pregnancy_test").status, "met");
});

test("without an assessment date, windows end today", () => {
  const result = evaluate({ last_significant_bleed_date: "2026-01-10" }, "2026-07-10");
  assert.equal(result.evaluation.assessment_date, "2026-07-10");
  assert.equal(result.evaluation.derived.significant_bleed_within_6_months, true);
});

test("today must be a YYYY-MM-DD date", () => {
  assert.throws(() => evaluate({}, "15/06/2026"), RangeError);
});

// Vignettes and the document

for (const file of fs.readdirSync(path.join(ROOT, "helio-rt", "vignettes")).sort()) {
  const vignette = readJson("helio-rt", "vignettes", file);
  test(`vignette ${file} gives what it expects`, () => {
    const result = evaluate(vignette.answers);
    if (vignette.expect.error) {
      assert.equal(result.evaluation, null);
      assert.ok(vignette.expect.error_mentions in result.errors);
      return;
    }
    assert.deepEqual(result.errors, {});
    assert.equal(result.evaluation.verdict, vignette.expect.verdict);
    for (const [name, value] of Object.entries(vignette.expect.derived || {})) {
      assert.ok(Math.abs(result.evaluation.derived[name] - value) <= 0.15, name);
    }
  });
}

test("low platelets fail with the reason in words", () => {
  const result = evaluate(readJson("helio-rt", "vignettes", "02-low-platelets.json").answers);
  assert.equal(criterion(result, "platelets").status, "not_met");
  assert.equal(criterion(result, "platelets").reason, "Platelets 45,000 cells/mm3 is below 60,000.");
});

test("the evaluation document has the contract's keys in order, and the given rules version", () => {
  const { evaluation } = evaluate({});
  assert.deepEqual(Object.keys(evaluation),
    ["trial", "rules_version", "assessment_date", "verdict", "steps", "criteria", "derived", "missing", "permitted"]);
  assert.equal(evaluation.rules_version, "version-1");
  assert.deepEqual(Object.keys(evaluation.criteria[0]), ["id", "step", "label", "text", "status", "facts", "reason"]);
});

// Validation

test("every invalid answer is refused under its fact, and nothing is evaluated", () => {
  const result = evaluate({ platelets: "lots", ecog: 2.5, hcc_variant: "unknown", date_of_birth: "2026-02-30" });
  assert.equal(result.evaluation, null);
  assert.deepEqual(result.errors, {
    platelets: "platelets: 'lots' is not a number in cells/mm3 or {\"value\": n, \"unit\": u} "
      + "with u one of cells/mm3, 10^9/L.",
    ecog: "ecog: 2.5 is not a whole number.",
    hcc_variant: "hcc_variant: 'unknown' is not one of none_known, fibrolamellar, sarcomatoid, biphenotypic.",
    date_of_birth: "date_of_birth: '2026-02-30' is not a real calendar date; write it as YYYY-MM-DD.",
  });
});

test("a direct entry that contradicts its inputs is refused", () => {
  assert.deepEqual(evaluate({ age_years: 30, date_of_birth: "2000-01-01" }).errors, {
    age_years: "age_years: the entry 30 contradicts the value 26 derived from date_of_birth; "
      + "correct one of them or leave this one empty.",
  });
});

test("names of object properties are unknown facts, not lookups", () => {
  const answers = JSON.parse('{"constructor": 1, "__proto__": {"polluted": true}, "toString": 1}');
  const { errors } = evaluate(answers);
  assert.deepEqual(Object.keys(errors).sort(), ["__proto__", "constructor", "toString"]);
  assert.equal({}.polluted, undefined);
});

test("answers that are not an object are refused as a whole", () => {
  assert.deepEqual(evaluate([]).errors, { answers: "The answers must be a JSON object of fact names and values." });
});

// In the browser

test("as a classic script it defines the global ChecklistEngine", () => {
  const page = {};
  vm.runInNewContext(fs.readFileSync(ENGINE_FILE, "utf8"), page);
  const browserTrial = page.ChecklistEngine.createTrial(trial.rules, trial.dictionary, "v");
  assert.equal(page.ChecklistEngine.evaluateAnswers(browserTrial, {}, TODAY).evaluation.verdict, "incomplete");
});

test("localToday gives the device's calendar date", () => {
  assert.equal(engine.localToday(new Date(2026, 0, 5, 23, 59)), "2026-01-05");
});
