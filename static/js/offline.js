// Offline use: registers the service worker (sw.js at the site root), says when a page is a
// saved copy and from which build, and offers "save the whole formulary for offline use".
const root = new URL("../../", import.meta.url);

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

/** "build <content version>, built <date>" as the page's footer states it. */
function buildLabel() {
  const version = document.querySelector(".content-version");
  const built = document.querySelector(".build-date");
  const name = version ? version.textContent.trim() : "unknown";
  return built ? `build ${name}, built ${built.textContent.trim()}` : `build ${name}`;
}

function showOfflineNotice() {
  // Marked by the service worker; or offline all the same (a copy from the browser's cache).
  const kind = document.body.dataset.offlineCopy || (navigator.onLine ? "" : "copy");
  const main = document.querySelector("main");
  if (!kind || !main) return;
  const notice = element("div", { class: "offline-notice", role: "status" });
  const strong = element("strong", {}, "Offline copy. ");
  const text =
    kind === "missing"
      ? `You are offline and that page is not saved on this device; this is the A–Z index from ${buildLabel()}.`
      : `You are offline: this page is the copy saved from ${buildLabel()}. It may be out of date.`;
  notice.append(strong, text);
  main.prepend(notice);
}

function offerSaving(registration) {
  const footer = document.querySelector(".site-footer");
  if (!footer) return;
  const box = element("div", { class: "offline-save" });
  const button = element("button", { type: "button" }, "Save the whole formulary for offline use");
  const status = element("p", { class: "offline-save-status", role: "status" });
  box.append(button, status);
  footer.append(box);

  let lastShown = -1;
  const send = (message) => {
    const worker = registration.active || navigator.serviceWorker.controller;
    if (worker) worker.postMessage(message);
  };
  const save = () => {
    button.disabled = true;
    status.textContent = "Saving the formulary for offline use…";
    send({ type: "save-all" });
  };
  button.addEventListener("click", save);
  navigator.serviceWorker.addEventListener("message", ({ data }) => {
    if (!data) return;
    if (data.type === "status" && data.saved) {
      status.textContent = `Saved for offline use: ${data.saved.pages} pages.`;
      button.textContent = "Update the offline copy";
      if (data.saved.build !== data.build) save(); // a newer build: refresh what was saved
    } else if (data.type === "save-progress") {
      const percent = Math.floor((100 * data.done) / Math.max(data.total, 1));
      if (percent >= lastShown + 25 || data.done === data.total) {
        lastShown = percent;
        status.textContent = `Saving for offline use: ${percent}%…`;
      }
    } else if (data.type === "save-done") {
      button.disabled = false;
      button.textContent = "Update the offline copy";
      lastShown = -1;
      const failed = data.saved.failed
        ? ` ${data.saved.failed} files could not be saved; try again when online.`
        : "";
      status.textContent = `Saved for offline use: ${data.saved.pages} pages.${failed}`;
    } else if (data.type === "save-failed") {
      button.disabled = false;
      status.textContent = `Could not save the formulary (${data.message}). Try again when online.`;
    }
  });
  navigator.serviceWorker.startMessages();
  send({ type: "status" });
}

showOfflineNotice();
// The live preview (clincalc-site serve) rebuilds constantly: no offline copies there, and a
// service worker left over from a real build on the same address is removed.
const preview = document.querySelector('script[src^="/__clincalc/"]');
if (preview && "serviceWorker" in navigator) {
  navigator.serviceWorker
    .getRegistrations()
    .then((registrations) => registrations.forEach((r) => r.unregister()));
} else if ("serviceWorker" in navigator && window.isSecureContext) {
  // After the page has loaded, so installing the worker never competes with the page.
  const register = () =>
    navigator.serviceWorker
      .register(new URL("sw.js", root), { scope: root.pathname })
      .then(() => navigator.serviceWorker.ready)
      .then(offerSaving)
      .catch(() => {}); // no offline support (private mode, file://): the site still works
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
