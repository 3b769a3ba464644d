/* The checklist page's view model in the browser: which questions the page shows, the notes beside
 * them, the verdict panel's content and the progress line, worked out from an evaluation as the
 * server's page works them out (checklist/domain/view.py), in the words of the same message
 * catalogue (checklist/domain/messages.json, through wording.say). static/offline.js only paints
 * what this returns. Python is the reference: tests/test_parity.py requires the same view model
 * from both over thousands of answer sets, so each function here mirrors its Python namesake.
 *
 * Plain ES2020 beside engine.js, which it reads from: a classic <script> defines `ChecklistView`,
 * and Node's require() returns the same object.
 *
 *   const page = ChecklistView.pageView(trial, answers, "2026-06-15", confirmed, messages);
 *   // null for answers the server would refuse; else {evaluation, verdict, questions, progress}
 */
(function (view, engine) {
  "use strict";

  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const PLACEHOLDER = /\{(\w+)\}/g;

  /** The message `key` of the catalogue with its {placeholders} filled (wording.say). */
  function say(messages, key, values = {}) {
    return messages[key].replace(PLACEHOLDER, (_match, name) => String(values[name]));
  }

  /** Everything the page shows of these answers; null when any is invalid (the server refuses them). */
  function pageView(trial, answers, today, confirmed, messages) {
    const { evaluation } = engine.evaluateAnswers(trial, answers, today, confirmed);
    if (!evaluation) return null;
    const context = engine.contextOf(trial, answers, today, confirmed);
    return {
      evaluation,
      verdict: verdictView(trial, evaluation, answers, messages),
      questions: questionViews(trial, answers, evaluation, context, messages),
      progress: progress(trial, answers, evaluation),
    };
  }

  // --- Questions (view.question_views) ------------------------------------------------------

  /** Each question's visibility, the notes said beside it and its calculated value. */
  function questionViews(trial, answers, evaluation, context, messages) {
    const hidden = hiddenFacts(trial, evaluation), counted = countedFacts(evaluation);
    const notes = derivedNotes(trial, context, messages);
    const views = {};
    for (const fact of trial.order.keys()) {
      const answered = hasOwn(answers, fact) && answers[fact] !== null;
      const calculated = hasOwn(trial.derived, fact);
      views[fact] = {
        visible: (answered && counted.has(fact)) || (!hidden.has(fact) && asked(trial, fact, context)),
        derived: (notes[fact] || []).concat(calculated ? partialText(trial, context, fact, messages) : []),
        calculated: calculated ? calculatedText(trial, context, fact, messages) : "",
      };
    }
    return views;
  }

  /** Facts that only feed criteria that do not apply (view.hidden_facts). */
  function hiddenFacts(trial, evaluation) {
    const applies = new Set(evaluation.criteria.filter((c) => c.status !== "not_applicable").map((c) => c.id));
    const readers = new Map();
    for (const criterion of trial.criteria) {
      for (const fact of trial.expand(engine.factsRead(criterion.require))) {
        if (!readers.has(fact)) readers.set(fact, []);
        readers.get(fact).push(criterion.id);
      }
    }
    return new Set([...readers].filter(([, ids]) => !ids.some((id) => applies.has(id))).map(([fact]) => fact));
  }

  /** Facts read by some criterion that applies, or may (view.counted_facts). */
  function countedFacts(evaluation) {
    return new Set(evaluation.criteria.filter((c) => c.status !== "not_applicable").flatMap((c) => c.facts));
  }

  /** Whether the checklist asks a question (view.asked): not while an answer is implied, nor
   * while its `ask_if` fails. */
  function asked(trial, fact, context) {
    if (!context.facts.has(fact) && context.implied(fact) !== null) return false;
    const question = trial.questions[fact];
    return engine.evaluateExpression(hasOwn(question, "ask_if") ? question.ask_if : true, context).value !== false;
  }

  /** The questions asked of these answers (the valid ones), in the rules' order. */
  function askedQuestions(trial, answers, today, confirmed = []) {
    const context = engine.contextOf(trial, answers, today, confirmed);
    return Object.keys(trial.questions).filter((fact) => asked(trial, fact, context));
  }

  /** Calculated values that are not questions, under the last question they come from, once one
   * of the answers they are worked out from is given (view.derived_notes_at). */
  function derivedNotes(trial, context, messages) {
    const notes = {};
    for (const [name, home] of derivedHomes(trial)) {
      if (hasOwn(trial.questions, name) || home === null) continue;
      const value = context.value(name);
      if (value === null || ![...factsBehind(trial, name)].some((fact) => context.facts.has(fact))) continue;
      (notes[home] = notes[home] || []).push(say(messages, "derived.note",
        { label: context.label(name), value: derivedWords(trial, name, value, messages) }));
    }
    return notes;
  }

  /** The question each derived value is shown under: itself, or the last question it comes from;
   * null when no question lies behind it (view.derived_homes). */
  function derivedHomes(trial) {
    return Object.keys(trial.derived).map((name) => {
      if (hasOwn(trial.questions, name)) return [name, name];
      const behind = trial.inOrder(questionsBehind(trial, name));
      return [name, behind.length ? behind[behind.length - 1] : null];
    });
  }

  /** The questions a derived value comes from, through other derived values (view.questions_behind). */
  function questionsBehind(trial, name) {
    return engine.inputsOf(trial.derived[name]).flatMap((fact) => {
      if (hasOwn(trial.questions, fact)) return [fact];
      return hasOwn(trial.derived, fact) ? questionsBehind(trial, fact) : [];
    });
  }

  /** Every fact a derived value is worked out from, through other derived values (view.facts_behind). */
  function factsBehind(trial, name) {
    const found = new Set();
    for (const fact of engine.inputsOf(trial.derived[name])) {
      found.add(fact);
      if (hasOwn(trial.derived, fact)) factsBehind(trial, fact).forEach((behind) => found.add(behind));
    }
    return found;
  }

  /** A calculated value in words (wording.derived_words). */
  function derivedWords(trial, name, value, messages) {
    const spec = trial.derived[name] || {};
    if (value instanceof engine.Range) {
      return say(messages, "derived.so_far", { low: engine.formatNumber(value.low), high: engine.formatNumber(value.high) });
    }
    const question = trial.question(name);
    return engine.formatValue(value, hasOwn(question, "unit") ? question.unit : spec.unit || "", question.choices || null);
  }

  /** A calculated question's value and how it was reached, shown in place of its input (view.calculated_text). */
  function calculatedText(trial, context, fact, messages) {
    const calculation = context.calculation(fact);
    if (calculation.value === null || calculation.value instanceof engine.Range) return "";
    const value = calculation.value;
    const said = typeof value === "boolean" || typeof value === "string" ? context.sayChoice(fact, value)
      : engine.formatValue(value, trial.questions[fact].unit || "");
    return calculation.note ? say(messages, "derived.calculated", { value: said, note: calculation.note }) : said;
  }

  /** A partly answered score's reachable range, beside its input, once one of its answers is given (view.partial_text). */
  function partialText(trial, context, fact, messages) {
    const value = context.calculation(fact).value;
    if (!(value instanceof engine.Range) || ![...factsBehind(trial, fact)].some((source) => context.facts.has(source))) return [];
    return [say(messages, "derived.partial", { low: engine.formatNumber(value.low), high: engine.formatNumber(value.high),
      unit: engine.showUnit(trial.questions[fact].unit || ""), note: value.note })];
  }

  // --- The verdict panel (view.verdict_view) ------------------------------------------------

  function verdictView(trial, evaluation, answers, messages) {
    const byStatus = { not_met: [], unknown: [], met: [], not_applicable: [] };
    evaluation.criteria.forEach((criterion) => byStatus[criterion.status].push(criterion));
    const titles = Object.fromEntries(trial.rules.steps.map((step) => [step.id, step.title]));
    return {
      verdict: evaluation.verdict,
      steps: Object.entries(evaluation.steps).map(([step, verdict]) => [titles[step], verdict]),
      ...byStatus,
      missing: missingLabels(trial, evaluation, messages).map(([fact, label]) =>
        [fact, label, awaiting(trial, fact, hasOwn(answers, fact) ? answers[fact] : null, evaluation, messages)]),
      warnings: evaluation.warnings,
      outlook: outlook(evaluation, messages).concat(typedForTheDay(trial, evaluation, messages)),
      changes: changes(evaluation, messages),
      alternatives: alternativesTable(evaluation, messages),
    };
  }

  /** When the verdict holds and when registration is possible, in sentences (view.outlook). */
  function outlook(evaluation, messages) {
    const window = evaluation.window;
    if (!window || !(window.from || window.until)) return [];
    const verdict = evaluation.verdict;
    const span = (start, end) => spanWords(start, end, messages);
    const lines = [say(messages, "window.holds", { verdict: say(messages, "status." + verdict), span: span(window.from, window.until) })];
    const registration = window.registration;
    if (verdict === "eligible" && window.until) lines.push(say(messages, "window.last_day", { end: window.until }));
    else if (verdict !== "eligible" && registration) {
      lines.push(say(messages, "window.register", { span: span(registration.from, registration.until) }));
    } else if (verdict === "ineligible") lines.push(say(messages, "window.no_registration"));
    return lines;
  }

  /** Why the window ends on the assessment date, when values typed for that day end it (view.typed_for_the_day). */
  function typedForTheDay(trial, evaluation, messages) {
    const window = evaluation.window;
    if (!window || !window.typed_for_the_day.length || window.until !== evaluation.assessment_date) return [];
    const facts = window.typed_for_the_day;
    const dates = [...new Set(facts.map((fact) => engine.inputsOf(trial.derived[fact])[0]))];
    return [say(messages, "window.typed", { facts: facts.map((fact) => trial.questions[fact].label).join(", "),
      dates: dates.map((fact) => trial.questions[fact].label).join(" and ") })];
  }

  function spanWords(start, end, messages) {
    if (start && end) return say(messages, start === end ? "window.one_day" : "window.between", { start, end });
    return start ? say(messages, "window.since", { start }) : say(messages, "window.up_to", { end });
  }

  /** The window's events in words (view.changes). */
  function changes(evaluation, messages) {
    const events = evaluation.window ? evaluation.window.events : [];
    return events.map((event) => say(messages, "window.change", { date: event.date, label: event.label,
      status: say(messages, "status." + event.status), reason: event.reason }).replace(/\s+$/, ""));
  }

  /** The verdict for each choice of the alternatives question, when they differ (view.alternatives_table). */
  function alternativesTable(evaluation, messages) {
    const alternatives = evaluation.alternatives;
    if (!alternatives || new Set(alternatives.choices.map((choice) => choice.verdict)).size < 2) return null;
    return {
      caption: say(messages, "alternatives.caption", { question: alternatives.label }),
      rows: alternatives.choices.map((choice) => [choice.label, choice.verdict, choice.criteria
        .filter((criterion) => criterion.status === "not_met" || criterion.status === "unknown")
        .map((criterion) => `${criterion.label}: ${criterion.reason}`)
        .concat(registrationWords(choice.registration, messages)).join("; ")]),
    };
  }

  function registrationWords(registration, messages) {
    if (!registration || !(registration.from || registration.until)) return [];
    return [say(messages, "alternatives.register", { span: spanWords(registration.from, registration.until, messages) })];
  }

  /** For a fact answered but still open, why: a value to check, or an answer awaiting news (view._awaiting). */
  function awaiting(trial, fact, entry, evaluation, messages) {
    if (entry === null) return "";
    const key = evaluation.warnings.some((warning) => warning.fact === fact) ? "missing.check" : "missing.awaiting";
    return say(messages, key, { answer: entryWords(trial.questions[fact], entry, messages) });
  }

  /** An answers-document value as entered, in the unit it was given in, a choice in words (wording.entry_words). */
  function entryWords(question, entry, messages) {
    if (entry === null) return "";
    if (typeof entry === "boolean") return say(messages, entry ? "answer.yes" : "answer.no");
    if (typeof entry === "object") return `${engine.formatNumber(entry.value)} ${engine.showUnit(entry.unit)}`;
    const text = typeof entry === "number" ? engine.pythonRepr(entry) : String(entry);
    if (question.choices && hasOwn(question.choices, text)) return question.choices[text];
    if (typeof entry === "number") return `${engine.formatNumber(entry)} ${engine.showUnit(question.unit || "")}`.trimEnd();
    return text;
  }

  /** [fact, label] of what is still to answer, an alternative said once (view.missing_labels). */
  function missingLabels(trial, evaluation, messages) {
    const shown = neededFacts(trial, evaluation);
    const labels = new Map(shown.map((fact) => [fact, trial.questions[fact].label]));
    for (const name of evaluation.missing) {
      if (!hasOwn(trial.questions, name) || !hasOwn(trial.derived, name) || labels.has(name)) continue;
      const behind = questionsBehind(trial, name);
      const only = shown.filter((fact) => behind.includes(fact));
      if (only.length === 1) {
        labels.set(only[0], say(messages, "missing.alternative",
          { question: labels.get(only[0]), alternative: trial.questions[name].label }));
      }
    }
    return [...labels.entries()];
  }

  /** The facts still to answer, an alternative counted once (view.needed). */
  function neededFacts(trial, evaluation) {
    const missing = new Set(evaluation.missing);
    return evaluation.missing.filter((fact) => !(hasOwn(trial.derived, fact)
      && engine.inputsOf(trial.derived[fact]).some((input) => missing.has(input))));
  }

  /** How far the checklist is: answers that count, and what is still needed (view.progress). */
  function progress(trial, answers, evaluation) {
    const counted = countedFacts(evaluation), needed = neededFacts(trial, evaluation);
    const answered = [...trial.order.keys()].filter((fact) => hasOwn(answers, fact) && counted.has(fact)
      && !needed.includes(fact)).length;
    const still = needed.length;
    return { answered, total: answered + still, still, done: still === 0, verdict: evaluation.verdict };
  }

  // --- The patient's pre-screen (checklist/domain/patients.py) ------------------------------

  /** A text of the rules for patients in `language` (English when it has no such translation). */
  function inLanguage(words, language) {
    if (words && typeof words === "object") return words[language] || words.en || "";
    return words || "";
  }

  const patientBlock = (trial, fact) => trial.questions[fact].patient || {};
  const asksPatient = (trial, fact) => Boolean(patientBlock(trial, fact).ask);

  /** The question as a patient reads it, or as the care team's item (patients.question_text). */
  function questionText(trial, fact, language) {
    return inLanguage(patientBlock(trial, fact).text, language) || trial.questions[fact].label;
  }

  /** What the patient is told (patients.patient_verdict): kind, reasons, care_team. */
  function patientVerdict(trial, evaluation, answers, unsure, language) {
    const notSure = new Set(unsure);
    const plain = new Map(trial.criteria.map((criterion) => [criterion.id, criterion.patient]));
    const reasons = evaluation.criteria.filter((criterion) => criterion.status === "not_met").map((criterion) => ({
      criterion: criterion.id,
      text: inLanguage(plain.get(criterion.id), language) || criterion.label,
      answers: criterion.facts.filter((fact) => hasOwn(answers, fact) && asksPatient(trial, fact)),
    }));
    const careTeam = [], seen = new Set();
    for (const fact of neededFacts(trial, evaluation)) {
      if (asksPatient(trial, fact) && !notSure.has(fact)) continue;
      const text = questionText(trial, fact, language);
      if (!seen.has(text)) {
        seen.add(text);
        careTeam.push({ fact, text, unsure: notSure.has(fact) });
      }
    }
    return { kind: reasons.length ? "may_not_fit" : "nothing_rules_out", reasons, care_team: careTeam };
  }

  Object.assign(view, { say, pageView, questionViews, verdictView, progress, askedQuestions, missingLabels,
                        inLanguage, questionText, patientVerdict });
})(typeof module === "object" && module.exports ? module.exports : (globalThis.ChecklistView = {}),
   typeof module === "object" && module.exports ? require("./engine.js") : globalThis.ChecklistEngine);
