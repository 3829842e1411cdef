// The ingest run's admin page: poll the run's progress (JSON) and update the panel in place, without
// reloading the page, until the run has finished and nothing is left to enrich. Without this script
// the panel shows the figures of the moment the page was loaded.
(function () {
  "use strict";

  function eta(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function show(panel, data) {
    panel.querySelectorAll("[data-field]").forEach(function (el) {
      var name = el.getAttribute("data-field"), value = data[name];
      if (name === "eta_seconds") value = eta(value);
      el.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
    });
    var bar = panel.querySelector("progress");
    if (bar && data.records_total) {
      bar.max = data.records_total;
      bar.value = data.records_read;
    }
    var resume = panel.querySelector(".run-resume");
    if (resume) resume.hidden = !data.resumable;
    panel.setAttribute("data-status", data.status);
    panel.setAttribute("data-finished", data.finished ? "1" : "0");
  }

  function poll(panel) {
    fetch(panel.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) show(panel, data);
        if (!data || !data.finished || data.status === "queued" || data.status === "running") {
          window.setTimeout(function () { poll(panel); }, 1000);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(panel); }, 5000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("run-progress");
    if (panel && panel.getAttribute("data-finished") !== "1") poll(panel);
  });
})();
