// The checklist's small behaviours; the page works without them as a plain form.
// - sends the CSRF token from <meta name="csrf-token"> with every htmx request;
// - on phones, shows one section at a time with next/previous, and the verdict as a bottom sheet.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
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
    toggle.textContent = open ? "Hide details" : "Show details";
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

  window.addEventListener("hashchange", function () {
    var section = phone.matches && sectionOf(location.hash.slice(1));
    if (section) show(section, false);
  });
  phone.addEventListener("change", setUp);
  document.addEventListener("DOMContentLoaded", setUp);

  // Typed values are posted once settled: on change, on Enter, or after a typist's pause; the
  // history then keeps one entry per value meant, and "1" on the way to "150000" is never judged.
  // A date Chromium is still filling (year 0001, 0019, 0196 on the way to 1960) is not settled.
  var PAUSE_MS = 1500;

  function settledInput(event) { return event.target.closest && event.target.closest("input[data-settle]"); }

  function halfTypedDate(input) {
    return input.type === "date" && input.value !== "" && Number(input.value.slice(0, 4)) < 1900;
  }

  function settle(input) {
    clearTimeout(input.pause);
    var last = "lastSettled" in input ? input.lastSettled : input.defaultValue;
    if (input.value === last || halfTypedDate(input)) return;
    input.lastSettled = input.value;
    htmx.trigger(input, "settled");
  }

  document.addEventListener("input", function (event) {
    var input = settledInput(event);
    if (!input) return;
    clearTimeout(input.pause);
    input.pause = setTimeout(function () { settle(input); }, PAUSE_MS);
  });
  document.addEventListener("change", function (event) {
    var input = settledInput(event);
    if (input) settle(input);
  });
  document.addEventListener("keydown", function (event) {
    var input = event.key === "Enter" && settledInput(event);
    if (!input) return;
    event.preventDefault();  // Enter would submit the form through its first button, a "Clear"
    settle(input);
  });

  // Offline use: the service worker keeps the app shell and the pages opened on this device.
  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {});
    });
  }
})();
