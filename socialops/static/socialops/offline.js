// Offline support (docs/offline.md).
//
// - Registers the service worker (/sw.js) for signed-in people; it keeps My week and its
//   assets so that the page opens offline.
// - Shows an "Offline" banner while the browser is offline, or when the page is the cached
//   copy the worker served (data-offline-copy on <body>).
// - On My week, a Log work entry submitted offline (or whose request fails) is not lost: it
//   is kept in localStorage with its own Idempotency-Key, listed under "Waiting to be sent"
//   (#offline-queue), and POSTed to /api/v1/task-logs/ when the connection is back (the
//   `online` event, each page load, and every 20 s). The key makes a retry of an entry that
//   did arrive a replay, never a second entry.
(function () {
  "use strict";
  var API = "/api/v1/task-logs/";
  var RETRY_MS = 20000;
  var sending = false;

  function signedIn() { return !!document.querySelector("form.logout"); }
  function queueSection() { return document.getElementById("offline-queue"); }
  // Words come from the page, in the person's language (data-msg-* on #offline-queue); the
  // English here is only the fallback for a page without the section.
  function msg(name, fallback) {
    var section = queueSection();
    var text = section && section.getAttribute("data-msg-" + name);
    return text || fallback;
  }

  // ---- The queue, per person, in localStorage ----
  function storageKey() {
    var section = queueSection();
    var user = section && section.getAttribute("data-user");
    return user ? "socialops.offline-queue." + user : null;
  }
  function load() {
    var key = storageKey();
    if (!key) return [];
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(queue) {
    var key = storageKey();
    if (key) localStorage.setItem(key, JSON.stringify(queue));
  }
  function update(key, change) {
    var queue = load();
    queue.forEach(function (entry) { if (entry.key === key) change(entry); });
    save(queue);
  }
  function remove(key) {
    save(load().filter(function (entry) { return entry.key !== key; }));
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
  }

  // ---- From the Log work form to an entry ----
  function value(form, name) {
    var field = form.elements.namedItem(name);
    return field && "value" in field ? String(field.value).trim() : "";
  }
  function selectedText(form, name) {
    var field = form.elements.namedItem(name);
    return field && field.selectedIndex > 0 ? field.options[field.selectedIndex].text : "";
  }
  function entryFrom(form) {
    var crisis = form.elements.namedItem("crisis");
    var body = {
      date: value(form, "date"),
      duration: value(form, "duration"),
      category: value(form, "category"),
      channel: value(form, "channel") || null,
      hostile_messages: value(form, "hostile_messages") || null,
      crisis: !!(crisis && crisis.checked),
      note: value(form, "note"),
    };
    if (value(form, "started_at")) body.started_at = value(form, "started_at");
    if (value(form, "messages_handled")) body.messages_handled = value(form, "messages_handled");
    var label = [body.date, body.started_at, body.duration, selectedText(form, "category"),
                 selectedText(form, "channel"), body.note].filter(Boolean).join(" · ");
    return { key: newKey(), body: body, label: label, error: null };
  }

  function queueFrom(form) {
    var entry = entryFrom(form);
    if (!entry.body.date || !entry.body.duration || !entry.body.category) {
      status(msg("incomplete", "Give at least the date, the duration and the category."));
      return;
    }
    var queue = load();
    queue.push(entry);
    save(queue);
    form.reset();
    status(msg("saved", "Saved on this device: it will be sent when you are back online."));
    render();
    var duration = form.elements.namedItem("duration");
    if (duration && duration.focus) duration.focus();
  }

  // ---- The "Waiting to be sent" list ----
  function status(text) {
    var section = queueSection();
    if (!section) return;
    var note = section.querySelector(".offline-status");
    if (note) note.textContent = text;
    if (text) section.hidden = false;
  }
  function render() {
    var section = queueSection();
    if (!section) return;
    var list = section.querySelector(".offline-entries");
    var queue = load();
    list.textContent = "";
    queue.forEach(function (entry) {
      var item = document.createElement("li");
      item.setAttribute("data-key", entry.key);
      var text = document.createElement("span");
      text.className = "offline-entry";
      text.textContent = entry.label;
      item.appendChild(text);
      if (entry.error) {
        var error = document.createElement("p");
        error.className = "error";
        error.textContent = msg("not-sent", "Not sent:") + " " + entry.error;
        item.appendChild(error);
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "link danger offline-discard";
        discard.setAttribute("data-key", entry.key);
        discard.textContent = msg("discard", "Discard");
        item.appendChild(discard);
      } else {
        var waiting = document.createElement("span");
        waiting.className = "badge muted";
        waiting.textContent = msg("waiting", "waiting");
        item.appendChild(waiting);
      }
      list.appendChild(item);
    });
    var note = section.querySelector(".offline-status");
    section.hidden = queue.length === 0 && !(note && note.textContent);
  }

  // ---- Sending ----
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function describe(data) {
    if (!data || typeof data !== "object") return msg("refused", "the server refused it.");
    return Object.keys(data).map(function (field) {
      var messages = [].concat(data[field]).join(" ");
      return field === "detail" || field === "non_field_errors" ? messages
        : field + ": " + messages;
    }).join(" ") || msg("refused", "the server refused it.");
  }
  // "sent", "refused" (kept with its error), "later" (kept, tried again) or "stop".
  function post(entry) {
    return fetch(API, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Idempotency-Key": entry.key,
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(entry.body),
    }).then(function (response) {
      if (response.status === 201) { remove(entry.key); return "sent"; }
      if (response.status === 400 || response.status === 422) {
        return response.json().catch(function () { return null; }).then(function (data) {
          update(entry.key, function (e) { e.error = describe(data); });
          return "refused";
        });
      }
      if (response.status === 401 || response.status === 403) {
        status(msg("sign-in", "Sign in again to send the entries waiting here."));
        return "stop";
      }
      return "later"; // 409 (the same entry is being sent from another tab), 429, 5xx
    }, function () { return "stop"; }); // the network: keep everything, try again later
  }
  function flush() {
    if (sending || !navigator.onLine || !storageKey()) return Promise.resolve();
    var pending = load().filter(function (entry) { return !entry.error; });
    if (!pending.length) return Promise.resolve();
    sending = true;
    var sent = 0;
    var chain = pending.reduce(function (previous, entry) {
      return previous.then(function (stopped) {
        if (stopped) return true;
        return post(entry).then(function (outcome) {
          if (outcome === "sent") sent += 1;
          return outcome === "stop";
        });
      });
    }, Promise.resolve(false));
    return chain.then(function () {
      sending = false;
      render();
      if (sent) {
        status(sent === 1 ? msg("sent-one", "Sent 1 entry.")
          : msg("sent-many", "Sent %(count)s entries.").replace("%(count)s", String(sent)));
        if (!load().length) window.location.reload(); // the week with the entries in it
      }
    }, function () { sending = false; });
  }

  // ---- Offline banner ----
  function banner() {
    var main = document.getElementById("main");
    if (!main) return;
    var existing = document.getElementById("offline-banner");
    var copy = document.body && document.body.hasAttribute("data-offline-copy");
    if (navigator.onLine && !copy) {
      if (existing) existing.remove();
      return;
    }
    if (existing) return;
    var list = document.createElement("ul");
    list.id = "offline-banner";
    list.className = "messages";
    list.setAttribute("role", "status");
    var item = document.createElement("li");
    item.className = "msg-error";
    item.textContent = msg("offline", "Offline: this is My week as it was last loaded. " +
      "New entries wait on this device and are sent when you are back online.");
    list.appendChild(item);
    main.insertBefore(list, main.firstChild);
  }

  // ---- Wiring ----
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.matches("form.logout") && window.caches) {
      // The cached page holds the person's week: forget it when they sign out.
      caches.keys().then(function (names) {
        names.forEach(function (name) {
          if (name.indexOf("socialops-shell-") === 0) caches.delete(name);
        });
      });
      return;
    }
    if (!form.matches("form.log-form") || !storageKey()) return;
    if (navigator.onLine && !document.body.hasAttribute("data-offline-copy")) return;
    // Capture phase, before htmx's boost sees it: the page form is not posted.
    event.preventDefault();
    event.stopPropagation();
    queueFrom(form);
  }, true);

  document.addEventListener("htmx:sendError", function (event) {
    // Online as far as the browser knows, but the request never got an answer.
    var form = event.detail && event.detail.elt;
    if (form instanceof HTMLFormElement && form.matches("form.log-form") && storageKey()) {
      queueFrom(form);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest(".offline-discard");
    if (!button) return;
    remove(button.getAttribute("data-key"));
    status("");
    render();
  });

  function refresh() {
    banner();
    render();
    flush();
  }
  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);
  window.addEventListener("online", refresh);
  window.addEventListener("offline", banner);
  setInterval(flush, RETRY_MS);

  if ("serviceWorker" in navigator && window.isSecureContext) {
    document.addEventListener("DOMContentLoaded", function () {
      if (signedIn()) navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    });
  }
})();
