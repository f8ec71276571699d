// Keyboard shortcuts of My week (docs/offline.md lists them with the rest of the logging aids):
//   N   new entry: the cursor goes to the duration of the Log work form
//   [   the form's date one day back      ]   one day forward (never past today)
// Ignored while typing in a field, or with Ctrl/Alt/Meta held, so they never steal a letter.
(function () {
  "use strict";
  function typing(target) {
    return target instanceof HTMLElement &&
      (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function shiftDate(form, days) {
    var field = form.elements.namedItem("date");
    if (!field || !field.value) return;
    var day = new Date(field.value + "T12:00:00Z");
    day.setUTCDate(day.getUTCDate() + days);
    var next = day.toISOString().slice(0, 10);
    if (field.max && next > field.max) return;
    field.value = next;
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("keydown", function (event) {
    var form = document.getElementById("log-form");
    if (!form || event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
    var duration = form.elements.namedItem("duration");
    if (event.key === "n" || event.key === "N") {
      event.preventDefault();
      form.scrollIntoView({ block: "start" });
      if (duration) duration.focus();
    } else if (event.key === "[") {
      event.preventDefault();
      shiftDate(form, -1);
    } else if (event.key === "]") {
      event.preventDefault();
      shiftDate(form, 1);
    }
  });
})();
