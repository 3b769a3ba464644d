// The clinician's signature pad: draw with a finger, a stylus or the mouse (Pointer Events), then
// save it as a PNG to POST /drafts/<id>/signature. Strokes are kept as points relative to the pad,
// so a rotated tablet redraws them at the new size; the PNG is drawn at a fixed 1000 x 400 whatever
// the screen. The server answers with the signature section (partials/signature.html), whose status
// and state replace the page's; a refusal is a sentence, shown under the pad.
(function () {
  "use strict";
  var EXPORT_WIDTH = 1000, EXPORT_HEIGHT = 400, INK = "#111", GUIDE = "#c9d1d9";

  function csrfToken() { return document.querySelector('meta[name="csrf-token"]').content; }

  function setUp(section) {
    var pad = section.querySelector("[data-pad]");
    var canvas = pad.querySelector("canvas");
    var message = pad.querySelector("[data-pad-message]");
    var strokes = [], active = null;
    section.querySelector("[data-pad-fallback]").hidden = true;
    pad.hidden = false;

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height];
    }

    // Paint the strokes on a canvas of any size; the guide line is for the screen only.
    function paint(target, guide) {
      var context = target.getContext("2d"), width = target.width, height = target.height;
      context.clearRect(0, 0, width, height);
      if (guide) {
        context.strokeStyle = GUIDE;
        context.lineWidth = Math.max(1, width / 500);
        context.beginPath();
        context.moveTo(width * 0.05, height * 0.78);
        context.lineTo(width * 0.95, height * 0.78);
        context.stroke();
      }
      context.strokeStyle = context.fillStyle = INK;
      context.lineWidth = Math.max(2, width * 0.006);
      context.lineCap = context.lineJoin = "round";
      strokes.forEach(function (stroke) {
        context.beginPath();
        if (stroke.length === 1) {  // a tap: a dot
          context.arc(stroke[0][0] * width, stroke[0][1] * height, context.lineWidth / 2, 0, 2 * Math.PI);
          context.fill();
          return;
        }
        stroke.forEach(function (p, index) {
          context[index ? "lineTo" : "moveTo"](p[0] * width, p[1] * height);
        });
        context.stroke();
      });
    }

    // Match the drawing buffer to the pad's size on screen (sharp on high-density screens).
    function fit() {
      var ratio = Math.min(window.devicePixelRatio || 1, 2);
      if (!canvas.clientWidth) return;  // the section is closed
      canvas.width = Math.round(canvas.clientWidth * ratio);
      canvas.height = Math.round(canvas.clientHeight * ratio);
      paint(canvas, true);
    }

    function drawn(state) {
      canvas.setAttribute("aria-label", state ? "Signature pad: a signature is drawn, not yet saved"
                                              : "Signature pad: nothing drawn");
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (active !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
      event.preventDefault();
      active = event.pointerId;
      canvas.setPointerCapture(active);
      strokes.push([point(event)]);
      paint(canvas, true);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (event.pointerId !== active) return;
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      (events.length ? events : [event]).forEach(function (each) { strokes[strokes.length - 1].push(point(each)); });
      paint(canvas, true);
    });
    function end(event) {
      if (event.pointerId !== active) return;
      active = null;
      drawn(true);
      message.textContent = "";
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);

    function clear() {
      strokes = [];
      paint(canvas, true);
      drawn(false);
    }

    pad.querySelector("[data-pad-clear]").addEventListener("click", function () {
      clear();
      message.textContent = "Cleared.";
    });

    pad.querySelector("[data-pad-save]").addEventListener("click", function () {
      if (!strokes.length) {
        message.textContent = "Draw the signature in the box first.";
        return;
      }
      var image = document.createElement("canvas");
      image.width = EXPORT_WIDTH;
      image.height = EXPORT_HEIGHT;
      paint(image, false);
      message.textContent = "Saving…";
      image.toBlob(function (blob) {
        var body = new FormData();
        body.append("signature", blob, "signature.png");
        send(pad.getAttribute("data-save-url"), body, section, message).then(function (saved) {
          if (!saved) return;
          clear();
          message.textContent = "Signature saved.";
        });
      }, "image/png");
    });

    new ResizeObserver(fit).observe(canvas);
  }

  // POST to the server; on success show its signature section's status and state on the page.
  function send(url, body, section, message) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin", cache: "no-store",
      headers: {"X-CSRFToken": csrfToken(), "HX-Request": "true"}  // HX-Request: answer with the fragment
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) {
          var sentence = (response.headers.get("Content-Type") || "").indexOf("text/plain") === 0;
          message.textContent = "Not saved: " + (sentence ? text : "the server refused it (" + response.status + ").");
          return false;
        }
        // The server's own template (no typed text in it): its status and state replace the page's.
        var fresh = new DOMParser().parseFromString(text, "text/html");
        ["#signature-status", ".signature-state"].forEach(function (selector) {
          section.querySelector(selector).innerHTML = fresh.querySelector(selector).innerHTML;
        });
        return true;
      });
    }).catch(function () {
      message.textContent = "Not saved: the server cannot be reached. Try again when the connection is back.";
      return false;
    });
  }

  // Removing: the form works without script (a page load); with it, the page stays where it is.
  document.addEventListener("submit", function (event) {
    var form = event.target, section = document.getElementById("signature");
    if (form.id !== "signature-remove" || !section) return;
    event.preventDefault();
    var message = section.querySelector("[data-pad-message]");
    send(form.action, new FormData(form), section, message).then(function (removed) {
      if (!removed) return;
      message.textContent = "Signature removed.";
      section.querySelector("summary").focus();
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("signature");
    if (section) setUp(section);
  });
})();
