/* "Set up a tablet": tell this device whether it trusts the site and keeps the checklist offline.
   A browser registers a service worker only from a page it trusts (HTTPS with a certificate it
   accepts, or the machine itself), so an active registration answers both questions. */
(function () {
  "use strict";
  var check = document.getElementById("tablet-check");
  if (!check) return;

  function say(state, text) {
    check.dataset.state = state;
    check.textContent = text;
  }

  if (location.protocol !== "https:") {
    say("plain", "Not yet: this page came over plain HTTP. Open the https:// address below.");
    return;
  }
  if (!("serviceWorker" in navigator)) {
    say("unsupported", "This browser cannot keep the checklist for offline use. Use Safari or Chrome.");
    return;
  }
  navigator.serviceWorker.register("/sw.js", {scope: "/"}).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function () {
    say("ready", "Done: this device trusts the site and keeps the checklist for offline use.");
  }).catch(function () {
    say("untrusted", "Not yet: this device does not trust the site's certificate. Follow steps 2 and 3.");
  });
}());
