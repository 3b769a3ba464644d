// The patient's page to print: its Print button (scripts are never inline: the site's CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
