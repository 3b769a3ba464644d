// The checklist's small behaviours; the page works without them as a plain form.
// - sends the CSRF token from <meta name="csrf-token"> with every htmx request;
// - on phones, shows one section at a time with next/previous, and the verdict as a bottom sheet;
// - sends a typed value only once it is settled (see below), never one half typed;
// - says "Not saved" beside the question when the server refuses or fails a save;
// - locks the screen after the idle time, keeping an answer given then for after sign-in.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // What scripts say, in the page's language: the server's words (script_words in
  // checklist/web/language.py, in the page), with their %(name)s filled; a count picks the plural.
  var WORDS = JSON.parse((document.getElementById("page-words") || {textContent: "{}"}).textContent);
  function say(key, values) {
    values = values || {};
    var text = WORDS[key];
    if (Array.isArray(text)) text = text[values.num === 1 ? 0 : 1];
    return text.replace(/%\((\w+)\)[ds]/g, function (_match, name) { return String(values[name]); });
  }
  window.ChecklistWords = {say: say};
  var phone = window.matchMedia("(max-width: 699px)");

  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector('meta[name="csrf-token"]');
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
  });

  function sections() { return Array.prototype.slice.call(document.querySelectorAll(".checklist .step")); }

  function show(section, focus) {
    sections().forEach(function (each) { each.classList.toggle("current", each === section); });
    if (focus && section) {
      var title = section.querySelector(".step-title");
      title.setAttribute("tabindex", "-1");
      title.focus({preventScroll: true});
      section.scrollIntoView({block: "start"});
    }
  }

  function sectionOf(id) {
    var target = id && document.getElementById(id);
    return target ? target.closest(".step") : null;
  }

  function setUp() {
    var form = document.querySelector(".checklist");
    if (!form) return;
    form.classList.toggle("paged", phone.matches);
    show(sectionOf(location.hash.slice(1)) || sections()[0], false);
    var panel = document.getElementById("panel");
    var toggle = panel && panel.querySelector(".sheet-toggle");
    if (toggle) {
      toggle.hidden = !phone.matches;
      setSheet(panel, toggle, !phone.matches);
    }
  }

  function setSheet(panel, toggle, open) {
    panel.classList.toggle("collapsed", !open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = say(open ? "hide_details" : "show_details");
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var toggle = event.target.closest(".sheet-toggle");
    if (toggle) {
      var panel = document.getElementById("panel");
      setSheet(panel, toggle, panel.classList.contains("collapsed"));
      return;
    }
    if (!link || !phone.matches) return;
    var section = sectionOf(link.getAttribute("href").slice(1));
    if (!section) return;
    event.preventDefault();
    show(section, link.hasAttribute("data-pager"));
    if (!link.hasAttribute("data-pager")) {
      var panel = document.getElementById("panel");
      var sheetToggle = panel.querySelector(".sheet-toggle");
      setSheet(panel, sheetToggle, false);
      var question = document.getElementById(link.getAttribute("href").slice(1));
      var control = question.querySelector("input, select, textarea");
      question.scrollIntoView({block: "center"});
      if (control) control.focus({preventScroll: true});
    }
  });

  // Settled values. A typed value is sent on change (leaving the field), on Enter, or after a pause
  // long enough for a hesitant typist, and then only when it looks whole: a date whose year has its
  // four digits (Chromium's date field holds 0001, 0019, 0196 while a year is being typed).
  // Two controls change while the clinician is still on the way to the value they mean, and wait for
  // the same pause or for focus to leave them: a date field edited with the keyboard (Chromium fires
  // "change" at every digit that makes a whole date: 1960-03-01, then 1960-03-15) and a choice moved
  // through with the arrow keys (each option passed is checked in turn). A tap or click on a choice
  // is sent at once.
  var SETTLE_MS = 1500, settling = new WeakMap(), arrowed = null;

  function looksWhole(input) {
    if (input.type === "radio") return input.checked;
    if (!input.value) return false;
    return input.type !== "date" || Number(input.value.slice(0, 4)) >= 1000;
  }

  function settle(input) {
    clearTimeout(settling.get(holder(input)));
    settling.delete(holder(input));
    if (!document.body.contains(input)) return;
    if (input.type === "radio") input = checkedIn(input) || input;
    if (looksWhole(input) || (!input.value && input.type !== "radio")) htmx.trigger(input, "settled");  // emptied: cleared
  }

  function settleLater(input) {
    clearTimeout(settling.get(holder(input)));
    settling.set(holder(input), setTimeout(function () {
      settling.delete(holder(input));
      if (document.body.contains(input) && looksWhole(checkedIn(input) || input)) settle(input);
    }, SETTLE_MS));
  }

  // What a pending save belongs to: the question (a choice's options share one).
  function holder(input) { return input.closest(".question") || input; }

  function checkedIn(input) {
    return input.type === "radio" ? holder(input).querySelector("input[type=radio]:checked") : null;
  }

  function settles(input) { return input.matches && input.matches("[data-settle]"); }

  document.addEventListener("keydown", function (event) {
    if (/^Arrow/.test(event.key) && event.target.type === "radio") arrowed = event.target.name;
  }, true);

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (settles(input) && input.type !== "radio") settleLater(input);
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!settles(input)) return;
    var moving = input.type === "radio" ? arrowed === input.name : input.type === "date" && document.activeElement === input;
    arrowed = null;
    if (moving) settleLater(input);
    else settle(input);
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (!settles(input) || !settling.has(holder(input))) return;
    if (event.relatedTarget && input.type === "radio" && event.relatedTarget.name === input.name) return;
    settle(input);
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !settles(input) || input.tagName !== "INPUT") return;
    event.preventDefault();  // Enter would submit the no-JavaScript form
    settle(input);
  });

  // "Use 150 × 10⁹/L" and "Clear" are answered by the whole question anew, the button with it: the
  // keyboard's place goes to the question's first control, not back to the top of the page.
  var redrawing = null;  // the button whose question is being answered anew

  document.addEventListener("htmx:beforeRequest", function (event) {
    var button = event.detail.elt;
    redrawing = button.matches && button.matches("button[name=fixed], button[name=clear]") ? button : null;
  });

  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!redrawing || redrawing.isConnected) return;  // its question not swapped yet
    var question = document.getElementById("q-" + redrawing.value);
    redrawing = null;
    if (!question || (document.activeElement && document.activeElement !== document.body)) return;
    var control = question.querySelector("input:checked, input:not([type=radio]), input, select");
    if (control) control.focus({preventScroll: true});
  });

  // A save the server did not make is never silent. 422 is swapped (its message is the server's);
  // anything else (the draft deleted on another device, an expired page, too large, a server
  // failure) leaves the answer in its field and says so beside it and in the status line; a failure
  // that a retry can mend (5xx) goes to the offline queue (offline.js listens for checklist:retry).
  var EXPLAINED = [400, 404, 413, 507];

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 422) return;
    if (status === 401) {  // the server's idle lock came first: keep the answer for after sign-in
      lock();
      document.dispatchEvent(new CustomEvent("checklist:keep", {detail: event.detail}));
      return;
    }
    var retry = status >= 500;
    var why = EXPLAINED.indexOf(status) >= 0 ? say("why_" + status)
      : say(retry ? "why_5xx" : "why_other", {status: status});
    notSaved(event.detail.elt, why);
    if (retry) {
      document.dispatchEvent(new CustomEvent("checklist:retry", {detail: event.detail}));
    }
  });

  function notSaved(element, why) {
    var question = element && element.closest && element.closest(".question");
    var text = say("not_saved", {why: why});
    if (question) {
      var notes = question.querySelector(".notes");
      var message = document.createElement("p");
      message.className = "error not-saved";
      message.setAttribute("role", "alert");
      message.textContent = "✗ " + text;
      if (notes) {
        Array.prototype.forEach.call(notes.querySelectorAll(".not-saved"), function (old) { old.remove(); });
        notes.appendChild(message);
      }
    }
    var line = document.getElementById("connection");
    if (line) { line.hidden = false; line.textContent = text; }
  }

  // The idle lock on this screen too (the server's is in checklist/web/auth.py). After as long
  // without a touch, key or scroll as the server allows, or as soon as the server answers "signed
  // out" (401), the page hides behind a cover that leads to sign-in and drops the pages this device
  // keeps. An answer refused that way waits in the offline queue (offline.js) and is sent once the
  // user has signed in again. The server counts only requests, so it never locks later than this.
  var idleLimit = document.querySelector('meta[name="idle-lock-seconds"]');
  var lastUse = Date.now(), locked = false;

  function lock() {
    var main = document.getElementById("main"), cover = document.getElementById("lock-cover");
    if (locked || !cover) return;
    locked = true;
    main.hidden = true;
    main.inert = true;
    cover.hidden = false;
    cover.querySelector("a").focus();
    if (window.caches) caches.delete("pages").catch(function () {});
  }

  if (idleLimit) {
    var limit = Number(idleLimit.content) * 1000;
    var checkIdle = function () { if (Date.now() - lastUse >= limit) lock(); };
    ["pointerdown", "keydown", "input", "scroll", "wheel", "touchstart"].forEach(function (type) {
      document.addEventListener(type, function () { if (!locked) lastUse = Date.now(); },
                                {capture: true, passive: true});
    });
    setInterval(checkIdle, 1000);
    document.addEventListener("visibilitychange", checkIdle);  // timers sleep in a hidden tab
  }

  window.addEventListener("hashchange", function () {
    var section = phone.matches && sectionOf(location.hash.slice(1));
    if (section) show(section, false);
  });
  phone.addEventListener("change", setUp);
  document.addEventListener("DOMContentLoaded", setUp);

  // Offline use: the service worker keeps the app shell and the pages opened on this device.
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
    });
  }
})();
