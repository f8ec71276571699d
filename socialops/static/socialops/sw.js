// The socialops service worker (docs/offline.md), served from /sw.js by socialops.pwa, which
// fills in SHELL (My week's URL and the static assets it needs) and the cache VERSION.
//
// - My week (/log/) is network-first: each successful navigation to it replaces the cached
//   copy; offline, or when the network fails, the last copy is served, marked with
//   data-offline-copy on <body> so that offline.js shows the "Offline" banner.
// - The shell's assets are network-first too, with the cache as the fallback.
// - Nothing else is touched: every other request, and every POST, goes to the network as if
//   there were no worker.
"use strict";

var SHELL = "__SHELL__";
var CACHE = "socialops-shell-__VERSION__";
var PREFIX = "socialops-shell-";

function cacheable(response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(SHELL.assets).then(function () {
        // The page only if it is the page: signed out, /log/ redirects to the login page.
        return fetch(SHELL.page, { credentials: "same-origin" })
          .then(function (response) {
            if (cacheable(response)) return cache.put(SHELL.page, response);
          })
          .catch(function () {});
      });
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function markedCopy(response) {
  return response.text().then(function (html) {
    var headers = new Headers(response.headers);
    return new Response(html.replace("<body", "<body data-offline-copy"), {
      status: 200, statusText: "OK", headers: headers,
    });
  });
}

function page(request, url) {
  return fetch(request).then(function (response) {
    if (cacheable(response) && url.search === "") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(SHELL.page, copy); });
    }
    return response;
  }, function (error) {
    return caches.open(CACHE).then(function (cache) { return cache.match(SHELL.page); })
      .then(function (cached) {
        if (cached) return markedCopy(cached);
        throw error;
      });
  });
}

function asset(request) {
  return fetch(request).then(function (response) {
    if (cacheable(response)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }, function (error) {
    return caches.match(request, { cacheName: CACHE }).then(function (cached) {
      if (cached) return cached;
      throw error;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === SHELL.page) {
    event.respondWith(page(request, url));
  } else if (SHELL.assets.indexOf(url.pathname) !== -1) {
    event.respondWith(asset(request));
  }
});

