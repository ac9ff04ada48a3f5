/* clincalc-site service worker.
 *
 * The build (src/clincalc_site/search.py) copies this file to the site root, so its scope is
 * the whole site, and fills in BUILD (a hash of every file of the build) and SHELL (the files
 * every page needs). A new build therefore always gives a new service worker.
 *
 * Pages: network first; every page a reader opens is kept in PAGES_CACHE and served from there
 * when the network fails, marked so the page can say it is an offline copy. A page that is not
 * saved falls back to the A–Z index, marked "missing". Other files (CSS, JS, search index):
 * from this build's SHELL_CACHE first, else the network (and then kept).
 * "Save the whole formulary" (a message from static/js/offline.js) fetches every page and
 * search file listed in offline.json.
 */
const BUILD = "__CLINCALC_BUILD__";
const SHELL = ["__CLINCALC_SHELL__"];
const SHELL_PREFIX = "clincalc-shell-";
const SHELL_CACHE = SHELL_PREFIX + BUILD;
const PAGES_CACHE = "clincalc-pages";
const SAVED_KEY = "__offline-saved__";
const PARALLEL = 6;
const scope = new URL(self.registration.scope);
const at = (path) => new URL(path, scope).href;
const pageKey = (url) => {
  // One copy per path: "/?q=x" is the A–Z page.
  const key = new URL(url);
  key.search = "";
  key.hash = "";
  return key.href;
};
let saving = null;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await cache.addAll(SHELL.map((path) => new Request(at(path), { cache: "reload" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const old = names.filter((n) => n.startsWith(SHELL_PREFIX) && n !== SHELL_CACHE);
      await Promise.all(old.map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== scope.origin) return;
  if (!url.pathname.startsWith(scope.pathname) || url.pathname.includes("/__clincalc/")) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, url));
  } else {
    event.respondWith(asset(event, url));
  }
});

async function navigate(event, url) {
  try {
    // Always ask the server (a cheap 304 when unchanged): never a stale page while online.
    const response = await fetch(new Request(event.request, { cache: "no-cache" }));
    if (response.ok && response.type === "basic") {
      const copy = response.clone();
      event.waitUntil(caches.open(PAGES_CACHE).then((c) => c.put(pageKey(url), copy)));
    } else if (response.status === 404 || response.status === 410) {
      // A withdrawn monograph must not live on in the offline copy.
      event.waitUntil(caches.open(PAGES_CACHE).then((c) => c.delete(pageKey(url))));
    }
    return response;
  } catch (error) {
    const pages = await caches.open(PAGES_CACHE);
    const shell = await caches.open(SHELL_CACHE);
    const saved = (await pages.match(pageKey(url))) || (await shell.match(pageKey(url)));
    if (saved) return marked(saved, "copy");
    const home = (await pages.match(at(""))) || (await shell.match(at("")));
    if (home) return marked(home, "missing");
    throw error;
  }
}

/* Tell the page it came from the cache: static/js/offline.js shows the notice. */
async function marked(response, kind) {
  const text = await response.text();
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  const body = text.replace("<body", `<body data-offline-copy="${kind}"`);
  return new Response(body, { status: 200, statusText: "OK", headers });
}

async function asset(event, url) {
  const key = pageKey(url); // the cache is this build's: Pagefind's "?ts=…" is not needed
  const shell = await caches.open(SHELL_CACHE);
  const cached = await shell.match(key);
  if (cached) return cached;
  const response = await fetch(event.request);
  if (response.ok && response.type === "basic") {
    const copy = response.clone();
    event.waitUntil(shell.put(key, copy));
  }
  return response;
}

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  const client = event.source;
  if (type === "status") {
    event.waitUntil(savedRecord().then((saved) => client.postMessage({ type, build: BUILD, saved })));
  } else if (type === "save-all") {
    saving = saving || saveAll(client).finally(() => (saving = null));
    event.waitUntil(saving);
  }
});

async function savedRecord() {
  const pages = await caches.open(PAGES_CACHE);
  const record = await pages.match(at(SAVED_KEY));
  return record ? record.json() : null;
}

async function saveAll(client) {
  try {
    const listing = await fetch(at("offline.json"), { cache: "no-store" });
    if (!listing.ok) throw new Error(`offline.json: HTTP ${listing.status}`);
    const { pages, assets } = await listing.json();
    const pageCache = await caches.open(PAGES_CACHE);
    const shell = await caches.open(SHELL_CACHE);
    const jobs = [
      ...pages.map((path) => [pageCache, at(path)]),
      ...assets.map((path) => [shell, at(path)]),
    ];
    let done = 0;
    let failed = 0;
    const total = jobs.length;
    const report = () => client.postMessage({ type: "save-progress", done, total });
    const worker = async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const [cache, href] = job;
        try {
          const response = await fetch(href, { cache: "no-cache" });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          await cache.put(href, response);
        } catch {
          failed += 1;
        }
        done += 1;
        if (done % 20 === 0 || done === total) report();
      }
    };
    report();
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const keep = new Set([...pages.map(at), at(SAVED_KEY)]);
    for (const request of await pageCache.keys()) {
      if (!keep.has(request.url)) await pageCache.delete(request); // withdrawn pages
    }
    const saved = { build: BUILD, pages: pages.length, total, failed };
    await pageCache.put(at(SAVED_KEY), new Response(JSON.stringify(saved)));
    client.postMessage({ type: "save-done", saved });
  } catch (error) {
    client.postMessage({ type: "save-failed", message: String(error.message || error) });
  }
}
