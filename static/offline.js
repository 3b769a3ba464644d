// Answers that outlive the connection. When the server cannot be reached (a failed request, not
// navigator.onLine: the Wi-Fi can be up while the laptop is not), each answer goes into a durable
// queue in IndexedDB with the time it was given, the verdict is worked out here from rules.json by
// the same rules language (engine.js), and the queue is sent, in order, once the server answers.
(function () {
  "use strict";
  var DATABASE = "checklist-offline", QUEUE = "answers", SAVED = "saved";
  var model = null, rules = null, trial = null, offline = false, retryDelay = 1000, probing = null;
  function words(key, values) { return window.ChecklistWords.say(key, values); }

  function openQueue() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DATABASE, 2);
      request.onupgradeneeded = function (event) {
        if (event.oldVersion < 1) request.result.createObjectStore(QUEUE, {keyPath: "key", autoIncrement: true});
        // Each draft's answers as the server last saved them, so that a page kept from an earlier
        // visit and reloaded offline starts from them (partials/saved_answers.html).
        if (event.oldVersion < 2) request.result.createObjectStore(SAVED, {keyPath: "draft"});
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function inQueue(mode, work, store) {
    return openQueue().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(store || QUEUE, mode);
        var result = work(transaction.objectStore(store || QUEUE));
        transaction.oncomplete = function () { db.close(); resolve(result && result.result); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function enqueue(entry) { return inQueue("readwrite", function (store) { return store.add(entry); }); }
  function queued() { return inQueue("readonly", function (store) { return store.getAll(); }); }
  function forget(keys) {
    return inQueue("readwrite", function (store) { keys.forEach(function (key) { store.delete(key); }); });
  }

  // The answers saved on the server: the page's own copy (swapped with every saved answer), or the
  // device's, when the page was kept from an earlier visit and the device has seen later ones.
  function savedHere() {
    var element = document.getElementById("saved-answers");
    return element ? JSON.parse(element.textContent) : null;
  }

  function keepSaved(saved) {
    return inQueue("readwrite", function (store) { store.put(saved); }, SAVED).catch(function () {});
  }

  function latestSaved() {
    var here = savedHere();
    if (!here) return Promise.resolve(null);
    return inQueue("readonly", function (store) { return store.get(here.draft); }, SAVED).then(function (kept) {
      if (kept && kept.updated > here.updated) return kept;
      return keepSaved(here).then(function () { return here; });
    }, function () { return here; });
  }

  document.addEventListener("htmx:afterSettle", function () {
    var saved = savedHere();
    if (!model || !saved) return;
    model.answers = saved.answers;
    model.confirmed = saved.confirmed;
    model.unsure = saved.unsure;
    keepSaved(saved);
  });

  function snapshot(detail) {
    var fields = {};
    detail.formData.forEach(function (value, name) { fields[name] = String(value); });
    if (fields.fixed) fields = fixedHere(fields.fixed, detail.elt);
    return {draft: model && model.draft, fields: fields, time: new Date().toISOString()};
  }

  // "Use 10⁹/L" with no server to work the fix out (answering.in_likely_unit): the number as it
  // stands in the question, in the unit the button names, queued as the answer it amounts to; the
  // unit chooser shows it at once.
  function fixedHere(fact, button) {
    var fields = {}, unit = document.getElementById("f-" + fact + "_unit");
    fields[fact] = document.getElementById("f-" + fact).value;
    fields[fact + "_unit"] = button.dataset.unit;
    if (unit) unit.value = button.dataset.unit;
    return fields;
  }

  // --- noticing the server is gone, and back ------------------------------------------------

  document.addEventListener("htmx:configRequest", function (event) {
    if (!offline || !model) return;
    event.preventDefault();  // do not wait on a dead connection: queue at once
    keep(snapshot(event.detail));
  });

  function lost(event) {
    if (!model || !event.detail.requestConfig) return;
    keep(snapshot(event.detail.requestConfig));
    goOffline();
  }
  document.addEventListener("htmx:sendError", lost);
  document.addEventListener("htmx:timeout", lost);
  document.addEventListener("checklist:retry", lost);  // a save the server failed (5xx): queue it
  document.addEventListener("checklist:keep", function (event) {  // refused as signed out: keep it
    if (model && event.detail.requestConfig) keep(snapshot(event.detail.requestConfig));
  });

  function keep(entry) {
    queued().then(function (entries) {
      var last = entries[entries.length - 1];
      var repeat = last && last.draft === entry.draft && JSON.stringify(last.fields) === JSON.stringify(entry.fields);
      return repeat ? null : enqueue(entry);  // the same answer sent twice (input, then change)
    }).then(function () { return showQueue(); }).then(evaluateHere);
  }

  // How many questions have answers waiting (typing one number may queue several versions).
  function questionsWaiting(entries) {
    var names = {};
    entries.forEach(function (entry) {
      Object.keys(entry.fields).forEach(function (name) {
        names[name === "clear" ? entry.fields.clear : name.replace(/_unit$/, "")] = true;
      });
    });
    return Object.keys(names).length;
  }

  function goOffline() {
    offline = true;
    if (!probing) probe();
  }

  // Ask /ping whether the server is back: after `delay` ms, else the current back-off, which doubles
  // with each failure (1 s to 30 s), whatever the first delay was.
  function probe(delay) {
    probing = setTimeout(function () {
      fetch("/ping", {cache: "no-store"}).then(function (response) {
        probing = null;
        if (!response.ok) throw new Error("server error");
        offline = false;
        retryDelay = 1000;
        return sync();
      }).catch(function () {
        probing = null;
        retryDelay = Math.min(retryDelay * 2, 30000);
        goOffline();
      });
    }, delay === undefined ? retryDelay : delay);
  }

  window.addEventListener("online", function () {
    if (probing) { clearTimeout(probing); probing = null; }
    probe(0);
  });

  // --- sending the queue -------------------------------------------------------------------

  function csrfToken() { return document.querySelector('meta[name="csrf-token"]').content; }

  function renewToken() {
    return fetch("/token", {cache: "no-store", credentials: "same-origin"}).then(function (response) {
      if (!response.ok) throw new Error("no token");
      return response.json();
    }).then(function (body) {
      document.querySelector('meta[name="csrf-token"]').content = body.csrf_token;
    });
  }

  function send(draft, entries, renewed) {
    return fetch("/drafts/" + draft + "/sync", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify({answers: entries.map(function (e) { return {fields: e.fields, time: e.time}; })})
    }).then(function (response) {
      if (response.status === 400 && !renewed) {  // the token expired while we waited
        return renewToken().then(function () { return send(draft, entries, true); });
      }
      if (!response.ok) {
        var error = new Error("sync refused: " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    });
  }

  // Each draft's queue goes on its own, in batches, so that one draft the server cannot take
  // (deleted on another tablet) never holds up another's answers; what cannot be sent is said.
  var BATCH = 50, PERMANENT = [404, 409, 413, 422];  // their words: script_words' "sent_<status>"

  function sendQueue(draft, entries, report) {
    if (!entries.length) return Promise.resolve();
    var batch = entries.slice(0, BATCH);
    return send(draft, batch).then(function (result) {
      report.push.apply(report, result.refused || []);
      return forget(batch.map(function (e) { return e.key; }));
    }, function (error) {
      if (PERMANENT.indexOf(error.status) < 0) throw error;  // a failure a retry can mend: keep them queued
      report.push({fields: {}, errors: {draft: words("not_sent", {num: batch.length, why: words("sent_" + error.status)})}});
      return forget(batch.map(function (e) { return e.key; }));
    }).then(function () { return sendQueue(draft, entries.slice(BATCH), report); });
  }

  function sync() {
    return queued().then(function (entries) {
      var drafts = {}, report = [], failed = false;
      entries.forEach(function (entry) { (drafts[entry.draft] = drafts[entry.draft] || []).push(entry); });
      return Object.keys(drafts).reduce(function (chain, draft) {
        return chain.then(function () {
          return sendQueue(draft, drafts[draft], report).catch(function () { failed = true; });
        });
      }, Promise.resolve()).then(function () {
        if (report.length) sessionStorage.setItem("checklist-refused", JSON.stringify(report));
        if (failed) goOffline();
        else if (entries.length && model) location.reload();  // the page as the server now has it
        return showQueue();
      });
    }).catch(function () { goOffline(); });
  }

  // --- the page while offline --------------------------------------------------------------

  function showQueue() {
    return queued().then(function (entries) {
      var banner = document.getElementById("connection");
      if (!banner) return entries;
      var waiting = questionsWaiting(entries);
      if (!offline && !waiting && banner.dataset.report) return entries;  // keep saying what was not sent
      banner.hidden = !offline && !waiting;
      banner.textContent = offline ? words("offline_waiting", {num: waiting}) : waiting ? words("sending", {num: waiting}) : "";
      return entries;
    });
  }

  function loadRules() {
    if (trial) return Promise.resolve();
    return Promise.all([fetch(model.rules).then(function (r) { return r.json(); }),
                        fetch(model.dictionary).then(function (r) { return r.json(); })])
      .then(function (both) {
        rules = both[0];
        trial = window.ChecklistEngine.createTrial(rules, both[1], model.rulesVersion);
      });
  }

  // The answers as they stand here: the server's copy, then every queued answer in order. On a
  // patient's pre-screen, `unsure` (a Set) gathers the questions the patient is not sure of, which
  // then have no answer (answering.give_patient_answers).
  function answersHere(entries, unsure) {
    var answers = JSON.parse(JSON.stringify(model.answers));
    entries.filter(function (e) { return e.draft === model.draft; }).forEach(function (entry) {
      Object.keys(entry.fields).forEach(function (name) {
        if (name === "clear") { delete answers[entry.fields.clear]; return; }
        if (name === "unsure" && unsure) { delete answers[entry.fields.unsure]; unsure.add(entry.fields.unsure); return; }
        var question = rules.questions[name];
        if (!question) return;
        var text = entry.fields[name].trim();
        if (unsure && text === "unsure") { delete answers[name]; unsure.add(name); return; }
        if (unsure) unsure.delete(name);
        var unit = entry.fields[name + "_unit"];
        var value = text === "" ? null : answerFromText(question, text, unit);
        if (value === null) delete answers[name];
        else if (value !== undefined) answers[name] = value;
      });
    });
    return answers;
  }

  function evaluateHere(stale) {
    if (!model || !window.ChecklistEngine) return Promise.resolve();
    return Promise.all([loadRules(), queued()]).then(function (results) {
      var entries = results[1].filter(function (e) { return e.draft === model.draft; });
      if (!entries.length && !stale) return;
      var unsure = model.patient ? new Set(model.unsure || []) : null;
      var answers = answersHere(entries, unsure);
      var page;
      try {
        page = window.ChecklistView.pageView(trial, answers, window.ChecklistEngine.localToday(),
                                             confirmedHere(answers), model.messages);
      } catch (error) {
        return;  // what the engine cannot judge here, the server will when the queue is sent
      }
      if (!page) return;  // an answer the server will refuse, with its message
      if (stale) fillAnswers(model.answers);
      fillForm(entries);
      if (unsure) return paintPatient(page, answers, Array.from(unsure));
      paintVerdict(page.verdict);
      paintQuestions(page.questions);
      paintProgress(page.progress);
    });
  }

  // The facts whose implausible value a clinician confirmed on the server, while the value is still
  // the one confirmed (answering.confirmed_facts).
  function confirmedHere(answers) {
    var confirmed = model.confirmed || {};
    return Object.keys(confirmed).filter(function (fact) {
      return fact in answers && JSON.stringify(answers[fact]) === JSON.stringify(confirmed[fact]);
    });
  }

  // A kept page that predates the answers saved since: put them in its fields (as view.entry_text).
  function fillAnswers(answers) {
    var fields = {};
    Object.keys(answers).forEach(function (fact) {
      var value = answers[fact];
      if (value !== null && typeof value === "object") {
        fields[fact] = String(value.value);
        fields[fact + "_unit"] = value.unit;
      } else {
        fields[fact] = typeof value === "boolean" ? (value ? "true" : "false") : String(value);
      }
    });
    fillForm([{fields: fields}]);
  }

  // After an offline reload the cached page predates the queued answers: put them back.
  function fillForm(entries) {
    entries.forEach(function (entry) {
      Object.keys(entry.fields).forEach(function (name) {
        var value = entry.fields[name];
        document.querySelectorAll('[name="' + CSS.escape(name) + '"]').forEach(function (input) {
          if (input.tagName === "BUTTON") return;  // "I am not sure": its value names the question
          if (input.type === "radio") input.checked = input.value === value;
          else if (input !== document.activeElement) input.value = value;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("page-model");
    if (element) model = JSON.parse(element.textContent);
    // A page kept from an earlier visit may predate answers saved since: then the device's copy counts.
    var started = model ? latestSaved().then(function (saved) {
      model.answers = saved ? saved.answers : {};
      model.confirmed = saved ? saved.confirmed : {};
      model.unsure = saved ? saved.unsure : [];
      return saved !== null && saved.updated !== savedHere().updated;
    }) : Promise.resolve(false);
    var refused = sessionStorage.getItem("checklist-refused");
    if (refused && document.getElementById("connection")) {
      sessionStorage.removeItem("checklist-refused");
      var banner = document.getElementById("connection");
      banner.hidden = false;
      banner.dataset.report = "shown";
      banner.textContent = words("refused_offline", {why: JSON.parse(refused).map(function (r) {
        return Object.keys(r.errors).map(function (fact) { return r.errors[fact]; }).join("; ");
      }).join("; ")});
    }
    started.then(function (stale) {
      return showQueue().then(function (entries) {
        if (stale || (entries && entries.length)) evaluateHere(stale);
        if (entries && entries.length && !probing) probe(0);
      });
    });
  });

  // "Clear this device": every cached page and queued answer goes, after a warning.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-clear-device]");
    if (!button) return;
    queued().then(function (entries) {
      var warning = entries.length ? words("clear_waiting", {num: entries.length}) : words("clear_confirm");
      if (!window.confirm(warning)) return;
      return inQueue("readwrite", function (store) { store.clear(); }).then(function () {
        return inQueue("readwrite", function (store) { store.clear(); }, SAVED);
      }).then(function () {
        if (navigator.serviceWorker && navigator.serviceWorker.controller) {
          navigator.serviceWorker.controller.postMessage("clear-device");
        }
        return window.caches ? caches.keys().then(function (keys) {
          return Promise.all(keys.map(function (key) { return caches.delete(key); }));
        }) : null;
      }).then(signOut).then(function () {
        button.textContent = words("cleared");
        button.disabled = true;
      });
    });
  });

  // Clearing the device ends the session too: the next person must sign in.
  function signOut() {
    return fetch("/sign-out", {method: "POST", credentials: "same-origin", redirect: "manual",
                               headers: {"X-CSRFToken": csrfToken()}}).catch(function () {});
  }

  // The same reading of typed text as the server's (checklist/forms.py); undefined when invalid,
  // in which case the server will refuse it with its message when the queue is sent.
  function answerFromText(question, text, unit) {
    if (question.type === "boolean") return text === "true" ? true : text === "false" ? false : undefined;
    if (question.type === "choice" || question.type === "date") return text;
    if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) text = text.replace(/,/g, "");
    else if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) return undefined;
    var number = Number(text);
    if (question.type === "integer") return Number.isInteger(number) ? number : undefined;
    if (question.units && unit && unit !== question.unit) return {value: number, unit: unit};
    return number;
  }

  // --- painting the view model (static/view.js) with the page's own pieces -------------------
  // The pieces are the server's (templates/macros/verdict.html, blank in <template id="verdict-parts">)
  // and so are the words (checklist/domain/messages.json, in the page model): only the painting is here.

  function say(key, values) { return window.ChecklistView.say(model.messages, key, values); }

  function holder(name) {
    return document.getElementById("verdict-parts").content.querySelector('[data-piece="' + name + '"]');
  }

  function piece(name) { return holder(name).firstElementChild.cloneNode(true); }

  // Both elements of an open group (its heading and its list).
  function openGroup(heading, listClass, items, aside) {
    var both = holder("open").cloneNode(true), title = both.children[0], list = both.children[1];
    fill(title, "heading", heading);
    if (aside) fill(title, "aside", aside); else title.querySelector('[data-part="aside"]').remove();
    list.className = listClass;
    items.forEach(function (item) { list.appendChild(item); });
    return [title, list];
  }

  function foldedGroup(heading, items) {
    var group = piece("folded");
    fill(group, "heading", heading);
    items.forEach(function (item) { group.querySelector('[data-part="list"]').appendChild(item); });
    return group;
  }

  function fill(node, part, text) {
    var target = node.getAttribute("data-part") === part ? node : node.querySelector('[data-part="' + part + '"]');
    target.textContent = text;
    return target;
  }

  function statusOf(node, status) {
    fill(node, "symbol", say("symbol." + status));
    if (node.querySelector('[data-part="words"]')) fill(node, "words", say("status." + status));
    return node;
  }

  function criterionItem(criterion) {
    var item = statusOf(piece("criterion"), criterion.status);
    item.id = "criterion-" + criterion.id;
    item.className = "criterion status-" + criterion.status;
    fill(item, "label", criterion.label);
    fill(item, "reason", criterion.reason ? ": " + criterion.reason : "");
    fill(item, "kind", (model.kinds || {})[criterion.id] || "");
    fill(item, "text", criterion.text);
    return item;
  }

  function missingItem(entry) {
    var item = piece("missing");
    fill(item, "link", entry[1]).setAttribute("href", "#q-" + entry[0]);
    var awaiting = item.querySelector('[data-part="awaiting"]');
    if (entry[2]) {
      awaiting.textContent = "(" + entry[2] + ")";
    } else {
      var space = awaiting.previousSibling;
      if (space && space.nodeType === Node.TEXT_NODE) space.remove();
      awaiting.remove();
    }
    return item;
  }

  function warningItem(warning) {
    var item = piece("warning");
    fill(item, "message", warning.message);
    item.querySelector('[data-part="link"]').setAttribute("href", "#q-" + warning.fact);
    return item;
  }

  // When the verdict holds, what changes it, and the verdict for each alternative.
  function outlookOf(verdict) {
    var box = piece("outlook");
    verdict.outlook.forEach(function (line) { box.appendChild(fill(piece("line"), "text", line)); });
    if (verdict.changes.length) {
      var list = piece("changes");
      verdict.changes.forEach(function (text) { list.appendChild(fill(piece("change"), "text", text)); });
      box.appendChild(list);
    }
    if (verdict.alternatives) {
      var table = piece("alternatives"), rows = table.querySelector('[data-part="list"]');
      fill(table, "caption", verdict.alternatives.caption);
      verdict.alternatives.rows.forEach(function (row) {
        var line = statusOf(holder("alternative").querySelector("tr").cloneNode(true), row[1]);
        line.className = "status-" + row[1];
        fill(line, "choice", row[0]);
        fill(line, "reasons", row[2]);
        rows.appendChild(line);
      });
      box.appendChild(table);
    }
    return box;
  }

  function paintVerdict(verdict) {
    var panel = document.getElementById("verdict");
    var headline = statusOf(piece("headline"), verdict.verdict);
    var steps = piece("steps");
    verdict.steps.forEach(function (pair) {
      var item = statusOf(piece("step"), pair[1]);
      item.className = "status-" + pair[1];
      fill(item, "step", say("verdict.step", {step: pair[0]}));
      steps.appendChild(item);
    });
    var detail = piece("detail"), parts = [];
    if (verdict.not_met.length) {
      parts = parts.concat(openGroup(say("verdict.not_met", {count: verdict.not_met.length}), "criteria",
                                     verdict.not_met.map(criterionItem)));
    }
    if (verdict.warnings.length) {
      parts = parts.concat(openGroup(say("verdict.to_check", {count: verdict.warnings.length}), "warnings",
                                     verdict.warnings.map(warningItem)));
    }
    if (verdict.missing.length) {
      parts = parts.concat(openGroup(say("verdict.still_to_answer", {count: verdict.missing.length}), "missing",
                                     verdict.missing.map(missingItem),
                                     verdict.verdict === "ineligible" ? say("verdict.cannot_change") : ""));
    }
    [["verdict.open_criteria", verdict.unknown], ["verdict.met", verdict.met],
     ["verdict.not_applicable", verdict.not_applicable]].forEach(function (pair) {
      if (pair[1].length) parts.push(foldedGroup(say(pair[0], {count: pair[1].length}), pair[1].map(criterionItem)));
    });
    detail.replaceChildren.apply(detail, parts);
    var shown = [headline, piece("note"), steps];
    if (verdict.outlook.length || verdict.alternatives) shown.push(outlookOf(verdict));
    panel.replaceChildren.apply(panel, shown.concat([detail]));
    panel.className = "verdict verdict-" + verdict.verdict;
    panel.setAttribute("data-verdict", verdict.verdict);
  }

  // Each question shown or hidden, its calculated value and the calculated notes under it.
  function paintQuestions(questions) {
    Object.keys(questions).forEach(function (fact) {
      var view = questions[fact], question = document.getElementById("q-" + fact);
      if (!question) return;
      question.hidden = !view.visible;
      var calculated = question.querySelector(".calculated-value");
      if (view.calculated && !calculated) {
        calculated = piece("calculated");
        question.querySelector(".notes").before(calculated);
      }
      if (calculated) {
        fill(calculated, "text", view.calculated);
        calculated.hidden = !view.calculated;
      }
      var notes = question.querySelector(".notes");
      notes.querySelectorAll(".derived").forEach(function (old) { old.remove(); });
      view.derived.slice().reverse().forEach(function (said) {
        var note = piece("derived");
        fill(note, "text", said);
        notes.insertBefore(note, notes.firstChild);
      });
    });
  }

  // --- painting a patient's pre-screen (templates/partials/patient_verdict.html) ------------
  // The words are the server's, in the page's language (ChecklistWords, from static/checklist.js).

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function patientAnswer(fact, value) {
    var question = rules.questions[fact];
    if (typeof value === "boolean") return words(value ? "yes" : "no");
    var choices = (question.patient || {}).choices || {};
    if (question.choices && choices[String(value)]) return window.ChecklistView.inLanguage(choices[String(value)], model.language);
    if (question.choices && question.choices[String(value)]) return question.choices[String(value)];
    if (value !== null && typeof value === "object") return value.value + " " + window.ChecklistEngine.showUnit(value.unit);
    return String(value);
  }

  function paintPatient(page, answers, unsure) {
    var view = window.ChecklistView;
    var asked = 0, answered = 0;
    Object.keys(page.questions).forEach(function (fact) {
      var question = document.getElementById("q-" + fact);
      if (!question) return;
      question.hidden = !page.questions[fact].visible;
      if (question.hidden) return;
      asked += 1;
      if (fact in answers || unsure.indexOf(fact) >= 0) answered += 1;
    });
    var progress = document.getElementById("patient-progress");
    progress.querySelector("progress").max = asked || 1;
    progress.querySelector("progress").value = answered;
    progress.querySelector("span").textContent = answered >= asked ? words("all_answered")
      : words("answered", {answered: answered, total: asked});
    var told = view.patientVerdict(trial, page.evaluation, answers, unsure, model.language);
    var section = document.getElementById("patient-verdict"), title = section.querySelector("h2");
    section.replaceChildren(title);
    section.className = "patient-verdict verdict-" + told.kind;
    var meaning = element("p", "meaning"), lead = element("strong");
    meaning.dataset.kind = told.kind;
    meaning.appendChild(lead);
    section.appendChild(meaning);
    if (told.kind === "may_not_fit") {
      lead.textContent = words("may_not_fit", {num: told.reasons.length});
      var reasons = section.appendChild(element("ul", "reasons"));
      told.reasons.forEach(function (reason) {
        var item = reasons.appendChild(element("li", "", reason.text));
        reason.answers.forEach(function (fact) {
          item.appendChild(document.createElement("br"));
          item.appendChild(element("span", "you-said", words("you_answered", {
            question: view.questionText(trial, fact, model.language), answer: patientAnswer(fact, answers[fact])})));
        });
      });
    } else {
      lead.textContent = told.care_team.length ? words("nothing_rules_out", {num: told.care_team.length}) : words("nothing_at_all");
    }
    if (answered < asked) section.appendChild(element("p", "to-answer", words("to_answer", {num: asked - answered})));
    if (told.care_team.length) {
      if (told.kind === "may_not_fit") section.appendChild(element("h3", "", words("also_check")));
      var list = section.appendChild(element("ul", "care-team"));
      told.care_team.forEach(function (item) {
        var line = list.appendChild(element("li", "", item.text));
        if (item.unsure) line.appendChild(element("span", "unsure-mark", " (" + words("you_were_not_sure") + ")"));
      });
    }
  }

  // The progress line, in the words of templates/partials/progress.html.
  function paintProgress(done) {
    var progress = document.getElementById("progress");
    if (!progress) return;
    progress.querySelector("progress").max = done.total || 1;
    progress.querySelector("progress").value = done.total ? done.answered : 1;
    var line = progress.querySelector("span");
    if (done.done) {
      var label = document.createElement("strong");
      label.textContent = say("progress.complete");
      line.replaceChildren(label, say("progress.done", {answered: done.answered}));
    } else if (done.verdict === "ineligible") {
      line.textContent = say("progress.ineligible", {answered: done.answered, still: done.still});
    } else {
      line.textContent = say("progress.partial", {answered: done.answered, total: done.total, still: done.still});
    }
  }

  window.ChecklistOffline = {sync: sync, queued: queued};
})();
