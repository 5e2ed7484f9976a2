// Follows a batch of report cards while it is prepared, then reloads the page so
// that it shows the download. Without this script the page's link does the same.
(function () {
  "use strict";
  var section = document.getElementById("batch");
  if (!section) return;
  var statusUrl = section.getAttribute("data-status-url");
  var progress = document.getElementById("batch-progress");
  var status = document.getElementById("batch-status");
  var delay = 1000;

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (batch) {
        if (batch.finished) {
          window.location.reload();
          return;
        }
        if (progress) {
          progress.max = batch.total;
          progress.value = batch.done;
          progress.textContent = batch.percent + "%";
        }
        if (status && batch.status === "running") {
          status.textContent = batch.label + ": " + batch.done + " / " + batch.total;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
