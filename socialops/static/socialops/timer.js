// Counts a running timer on (docs/timer.md): every element with data-timer-seconds (the
// elapsed seconds the server computed when it rendered the page) shows the elapsed time,
// rounded half up to whole minutes like the server, refreshed every 30 seconds. Without
// JavaScript the page shows the server's figure as of its rendering.
(function () {
  "use strict";
  function label(minutes) {
    var hours = Math.floor(minutes / 60), rest = minutes % 60;
    return hours + "h" + (rest < 10 ? "0" : "") + rest;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-timer-seconds]").forEach(function (el) {
      if (!el.timerSeen) el.timerSeen = now; // per element: htmx swaps bring new ones
      var seconds = parseInt(el.getAttribute("data-timer-seconds"), 10);
      if (isNaN(seconds)) return;
      var elapsed = seconds + (now - el.timerSeen) / 1000;
      var text = label(Math.max(1, Math.floor(elapsed / 60 + 0.5)));
      var target = el.querySelector(".timer-label") || el;
      if (target.textContent !== text) target.textContent = text;
      if (el.hasAttribute("aria-label")) {
        // data-aria-prefix: "Timer running:" in the page's language.
        var prefix = el.getAttribute("data-aria-prefix") || "Timer running:";
        el.setAttribute("aria-label", prefix + " " + text);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 30000);
})();
