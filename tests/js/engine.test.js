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
const { Rational, formatNumber, formatCompared, pythonRepr } = engine;

const readJson = (...parts) => JSON.parse(fs.readFileSync(path.join(ROOT, ...parts), "utf8"));
const trial = engine.createTrial(readJson("rules.json"), readJson("helio-rt", "answers.schema.json"), "version-1");
const TODAY = "2026-06-15";
const evaluate = (answers, confirmed = [], today = TODAY) => engine.evaluateAnswers(trial, answers, today, confirmed);
const criterion = (result, id) => result.evaluation.criteria.find((entry) => entry.id === id);
const status = (answers, id, confirmed = []) => criterion(evaluate(answers, confirmed), id).status;
const rational = (text) => Rational.parse(text);

// Exact rational numbers

test("0.1 + 0.2 is exactly 0.3", () => {
  assert.equal(rational("0.1").plus(rational("0.2")).compare(rational("0.3")), 0);
});

test("a JSON number is the decimal its shortest digits say, as Fraction(repr(float))", () => {
  assert.equal(Rational.of(0.1).toString(), "1/10");
  assert.equal(Rational.of(1e-7).toString(), "1/10000000");
  assert.equal(Rational.of(2.5e-300).compare(0), 1);
  assert.equal(Rational.of(12345678901234567890).toString(), "12345678901234567168");
});

test("rationals are kept in lowest terms with a positive denominator", () => {
  const third = new Rational(-2n, -6n);
  assert.equal(third.n, 1n);
  assert.equal(third.d, 3n);
});

test("rounding to a whole number goes half to even; floor and ceil go down and up", () => {
  assert.equal(rational("2.5").round(), 2n);
  assert.equal(rational("3.5").round(), 4n);
  assert.equal(rational("-2.5").round(), -2n);
  assert.equal(rational("28.5").ceil(), 29n);
  assert.equal(rational("-0.5").floor(), -1n);
});

test("a rational becomes the nearest double, as float(Fraction)", () => {
  assert.equal(new Rational(1n, 3n).toNumber(), 1 / 3);
  assert.equal(new Rational(362n, 5n).toNumber(), 72.4);
  assert.equal(new Rational(10n ** 30n + 1n, 10n ** 13n).toNumber(), 1e17);
});

// Wording of numbers

test("numbers read with thousands separators and at most two decimals, half to even", () => {
  assert.equal(formatNumber(60000), "60,000");
  assert.equal(formatNumber(1234567.891), "1,234,567.89");
  assert.equal(formatNumber(rational("2.50")), "2.5");
  assert.equal(formatNumber(0.125), "0.12");
  assert.equal(formatNumber(2.675), "2.68");
});

test("a tiny negative number reads 0, as the rounded value it is", () => {
  assert.equal(formatNumber(-0.001), "0");
  assert.equal(formatNumber(-0.005), "0"); // -0.5 hundredths, half to even
  assert.equal(formatNumber(-0.006), "-0.01");
});

test("numbers can be rounded down or up to a number of decimals", () => {
  assert.equal(formatNumber(rational("29.999"), 2, "down"), "29.99");
  assert.equal(formatNumber(rational("30.001"), 2, "up"), "30.01");
  assert.equal(formatNumber(rational("29.9995"), 4), "29.9995");
});

test("two compared numbers are shown with the decimals that keep the comparison true", () => {
  assert.deepEqual(formatCompared(rational("29.996"), ">=", 30), ["29.996", "30"]);
  assert.deepEqual(formatCompared(rational("29.99999999"), ">=", 30), ["29.99", "30"]);
  assert.deepEqual(formatCompared(rational("72.4"), ">=", 30), ["72.4", "30"]);
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

// Units and limits

test("bilirubin at exactly 4 x ULN, both in µmol/L, is not below 4 x ULN, said in µmol/L", () => {
  const result = evaluate({ total_bilirubin: { value: 84, unit: "umol/L" }, bilirubin_uln: { value: 21, unit: "umol/L" } });
  assert.equal(criterion(result, "bilirubin").status, "not_met");
  assert.equal(criterion(result, "bilirubin").reason,
    "Total bilirubin 84 µmol/L is not below 4 × ULN 21 µmol/L = 84 µmol/L.");
  assert.equal(result.evaluation.derived.bilirubin_x_uln, 4);
});

test("bilirubin at 4 x ULN is not below it for every ULN from 17 to 26 µmol/L, and one less is", () => {
  for (let uln = 17; uln <= 26; uln += 1) {
    const answers = (bilirubin) => ({
      total_bilirubin: { value: bilirubin, unit: "umol/L" }, bilirubin_uln: { value: uln, unit: "umol/L" },
    });
    assert.equal(status(answers(4 * uln), "bilirubin"), "not_met", `ULN ${uln}`);
    assert.equal(status(answers(4 * uln - 0.1), "bilirubin"), "met", `ULN ${uln}`);
  }
});

test("51.3 µmol/L of bilirubin is exactly 4 x a ULN of 0.75 mg/dL, where floats put it below", () => {
  assert.ok(51.3 * 0.05847953216374269 < 3); // why the engine does not use floats
  const result = evaluate({ total_bilirubin: { value: 51.3, unit: "umol/L" }, bilirubin_uln: 0.75 });
  assert.equal(criterion(result, "bilirubin").status, "not_met");
  assert.equal(criterion(result, "bilirubin").reason,
    "Total bilirubin 51.3 µmol/L is not below 4 × ULN 0.75 mg/dL = 51.3 µmol/L.");
});

test("AST at exactly 6 x ULN is at most 6 x ULN", () => {
  const result = evaluate({ ast: 240, ast_uln: 40, alt: 10, alt_uln: 40 });
  assert.equal(criterion(result, "transaminases").status, "met");
  assert.match(criterion(result, "transaminases").reason, /^AST 240 U\/L is at most 6 × ULN 40 U\/L = 240 U\/L;/);
});

test("Child-Pugh bilirubin points: the higher of the mg/dL and µmol/L tables", () => {
  const points = (bilirubin) => {
    const answers = { total_bilirubin: bilirubin, albumin: 4, inr: 1, ascites: "none", encephalopathy: "none" };
    return evaluate(answers).evaluation.derived.child_pugh_score - 4;
  };
  assert.equal(points({ value: 33.9, unit: "umol/L" }), 1);
  assert.equal(points({ value: 34, unit: "umol/L" }), 2);
  assert.equal(points({ value: 51, unit: "umol/L" }), 3);
  assert.equal(points(1.99), 2);
  assert.equal(points(2.95), 3);
});

test("a half-life may be given in hours: 144 hours is 6 days, a washout of 30 days", () => {
  const answers = (lastDose) => ({
    immunostimulatory_last_dose_date: lastDose, immunostimulatory_half_life_days: { value: 144, unit: "hours" },
  });
  assert.equal(criterion(evaluate(answers("2026-05-16")), "no_recent_immunostimulatory_agent").reason,
    "Recent systemic immunostimulatory agent: yes (last dose 30 days before; washout 30 days, "
    + "the longer of 28 days and 5 half-lives of 6 days) (required: no).");
  assert.equal(status(answers("2026-05-15"), "no_recent_immunostimulatory_agent"), "met");
});

test("a washout of 28.5 days is rounded up to 29 whole days", () => {
  const answers = (lastDose) => ({ immunostimulatory_last_dose_date: lastDose, immunostimulatory_half_life_days: 5.7 });
  assert.equal(status(answers("2026-05-17"), "no_recent_immunostimulatory_agent"), "not_met"); // 29 days
  assert.equal(status(answers("2026-05-16"), "no_recent_immunostimulatory_agent"), "met"); // 30 days
});

// Implausible values

test("an implausible value decides nothing and is named in the warnings", () => {
  const result = evaluate({ hemoglobin: 75 });
  assert.equal(criterion(result, "hemoglobin").status, "unknown");
  assert.deepEqual(result.evaluation.warnings, [{
    fact: "hemoglobin", kind: "implausible",
    message: "Hemoglobin 75 g/dL is outside the plausible range (2 to 25 g/dL): did you mean 75 g/L? "
      + "Correct the unit or confirm the value.",
  }]);
});

test("a confirmed implausible value counts", () => {
  const result = evaluate({ hemoglobin: 75 }, ["hemoglobin"]);
  assert.equal(criterion(result, "hemoglobin").status, "met");
  assert.deepEqual(result.evaluation.warnings, []);
});

// The calculated value decides

test("a typed clearance on the other side of 30 from the calculated one is refused", () => {
  const { errors } = evaluate({ creatinine_clearance: 30, age_years: 60, weight: 53.28, serum_creatinine: 2, sex: "male" });
  assert.deepEqual(errors, {
    creatinine_clearance: "creatinine_clearance: the entry 30 mL/min and the value 29.6 mL/min calculated from "
      + "serum_creatinine, age_years, sex, weight fall on different sides of a limit (Creatinine clearance: met "
      + "with the entry, not met with the calculation); the calculated value decides: correct the inputs or "
      + "leave this entry empty.",
  });
});

test("a typed clearance within 0.5 of the calculated one is accepted, and the calculated one decides", () => {
  const result = evaluate({ creatinine_clearance: 30.3, age_years: 60, weight: 54, serum_creatinine: 2, sex: "male" });
  assert.equal(result.evaluation.derived.creatinine_clearance, 30);
  assert.equal(result.evaluation.warnings[0].kind, "calculated");
});

test("a clearance just under 30 is never shown as 30", () => {
  const result = evaluate({ age_years: 60, weight: 53.9991, serum_creatinine: 2, sex: "male" });
  assert.match(criterion(result, "creatinine_clearance").reason, /^Creatinine clearance 29\.9995 mL\/min is below 30 mL\/min/);
});

test("a direct entry that contradicts its inputs is refused", () => {
  assert.deepEqual(evaluate({ age_years: 30, date_of_birth: "2000-01-01" }).errors, {
    age_years: "age_years: the entry 30 years contradicts the value 26 years derived from date_of_birth; "
      + "correct one of them or leave this one empty.",
  });
});

// Deciding early

test("a clearance of at least 30 for either sex is met with the sex unanswered", () => {
  const result = evaluate({ age_years: 60, weight: 70, serum_creatinine: 2 });
  assert.equal(criterion(result, "creatinine_clearance").status, "met");
  assert.match(criterion(result, "creatinine_clearance").reason, /^Whatever the answer to Sex recorded at birth: /);
});

test("what is still to answer names the alternatives once", () => {
  assert.equal(criterion(evaluate({}), "creatinine_clearance").reason,
    "Still to answer: Date of birth or Age; Weight; Serum creatinine; Sex recorded at birth; "
    + "or Creatinine clearance directly.");
});

// Pregnancy

test("a patient whose sex recorded at birth is male is not pregnant, not nursing, without childbearing potential", () => {
  const result = evaluate({ sex: "male" });
  assert.equal(criterion(result, "not_pregnant_or_nursing").status, "met");
  assert.equal(criterion(result, "pregnancy_test").status, "not_applicable");
});

test("an answer given anyway counts, with a contradiction warning", () => {
  const result = evaluate({ sex: "male", pregnant: true });
  assert.equal(criterion(result, "not_pregnant_or_nursing").status, "not_met");
  assert.deepEqual(result.evaluation.warnings.map((entry) => [entry.fact, entry.kind]),
    [["pregnant", "contradiction"], ["childbearing_potential", "contradiction"]]);
});

test("a negative pregnancy test 31 days old awaits a new one, saying from when one counts", () => {
  const answers = { childbearing_potential: true, pregnancy_test_result: "negative" };
  const result = evaluate({ ...answers, pregnancy_test_date: "2026-05-15" });
  assert.equal(criterion(result, "pregnancy_test").status, "unknown");
  assert.equal(criterion(result, "pregnancy_test").reason, "Pregnancy test date 2026-05-15 is more than 30 days "
    + "before 2026-06-15: do or repeat the pregnancy test (a test done on or after 2026-05-16 counts).");
  assert.equal(status({ ...answers, pregnancy_test_date: "2026-05-16" }, "pregnancy_test"), "met");
});

test("a positive pregnancy test within 30 days fails both pregnancy criteria", () => {
  const result = evaluate({ childbearing_potential: true, pregnancy_test_result: "positive", pregnancy_test_date: "2026-05-16" });
  assert.equal(criterion(result, "pregnancy_test").status, "not_met");
  assert.equal(criterion(result, "not_pregnant_or_nursing").reason,
    "A positive pregnancy test within 30 days before registration counts as pregnant, whatever else is answered.");
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
  assert.equal(bleedWithin6Months("2028-08-31", "2028-02-29"), true);
  assert.equal(bleedWithin6Months("2028-08-31", "2028-02-28"), false);
});

test("a recent bleed says from when it no longer counts", () => {
  const result = evaluate({ assessment_date: "2028-08-31", last_significant_bleed_date: "2028-02-29",
    planned_regimen: "atezolizumab_bevacizumab" });
  assert.equal(criterion(result, "no_recent_bleed_with_bevacizumab").reason,
    "GI or other significant bleed in the last 6 months: yes (on 2028-02-29; it no longer counts from 2028-09-01) (required: no).");
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

test("without an assessment date, windows end today", () => {
  const result = evaluate({ last_significant_bleed_date: "2026-01-10" }, [], "2026-07-10");
  assert.equal(result.evaluation.assessment_date, "2026-07-10");
  assert.equal(result.evaluation.derived.significant_bleed_within_6_months, true);
});

test("today must be a YYYY-MM-DD date", () => {
  assert.throws(() => evaluate({}, [], "15/06/2026"), RangeError);
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

test("low platelets fail with the reason in words and units", () => {
  const result = evaluate(readJson("helio-rt", "vignettes", "02-low-platelets.json").answers);
  assert.equal(criterion(result, "platelets").status, "not_met");
  assert.equal(criterion(result, "platelets").reason, "Platelets 45,000 cells/mm³ is below 60,000 cells/mm³.");
});

test("the evaluation document has the contract's keys in order, and the given rules version", () => {
  const { evaluation } = evaluate({});
  assert.deepEqual(Object.keys(evaluation), ["trial", "rules_version", "assessment_date", "verdict", "steps",
    "criteria", "derived", "missing", "warnings", "permitted", "alternatives", "window"]);
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

test("limits of the dictionary and of the rules are enforced, quantities are never negative", () => {
  assert.deepEqual(evaluate({ inr: 0, immunostimulatory_half_life_days: -1, child_pugh_score: 16 }).errors, {
    inr: "inr: 0 is out of range: must be more than 0.",
    immunostimulatory_half_life_days: "immunostimulatory_half_life_days: -1 days is negative; no quantity can be.",
    child_pugh_score: "child_pugh_score: 16 points is out of range: must be at most 15.",
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
