// Search results, shown on the search page (search/?q=..., the header form's target).
// Drug names, brands and classes that match (typos forgiven) come first, shown as soon as the
// drug list is ranked; then Pagefind's full-text hits in the monographs' sections. Each
// result shows the drug's name, class and summary (fetched only for the drugs shown:
// search/summaries/<n>.json holds the summaries of 16 drugs in the drug list's order).
//
// The full text is searched at once only when no name, brand or class matches (or when asked
// for: &text=1, the link under the name matches). At 10,000 monographs a full-text search
// fetches about a megabyte (one index chunk from each of 32 Pagefind bundles), against about
// 130 KB for the name matches alone (docs/performance.md, "Search at 10,000").

const MAX_RESULTS = 30;
// Hits whose text is fetched to check them (matchesAll) before giving up: a query word that
// occurs in no page makes Pagefind answer with near misses only, and checking every one of
// them fetched 9.9 MB at 10,000 monographs.
const MAX_CHECKED = 3 * MAX_RESULTS;

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

/** Pagefind's excerpt as nodes: its text, with only its <mark> highlights kept. */
function excerptNodes(excerpt) {
  const template = document.createElement("template");
  template.innerHTML = excerpt;
  return [...template.content.childNodes].map((node) =>
    node.nodeName === "MARK" ? element("mark", {}, node.textContent) : document.createTextNode(node.textContent),
  );
}

const summaryFiles = new Map();

/** The summaries of these drugs, by position ({} for a file that cannot be fetched). */
async function loadSummaries(root, index, drugs) {
  const size = index.summaryShard;
  const wanted = [...new Set(drugs.map((drug) => Math.floor(drug.position / size)))];
  for (const shard of wanted) {
    if (summaryFiles.has(shard)) continue;
    const file = fetch(new URL(`search/summaries/${shard}.json`, root))
      .then((response) => (response.ok ? response.json() : []))
      .catch(() => {
        summaryFiles.delete(shard); // offline and not saved: try again next time
        return [];
      });
    summaryFiles.set(shard, file);
  }
  const files = new Map(await Promise.all(wanted.map(async (s) => [s, await summaryFiles.get(s)])));
  return new Map(drugs.map((drug) => [drug.position, files.get(Math.floor(drug.position / size))[drug.position % size]]));
}

export async function fullText(query, root, status) {
  // The monographs are indexed in partitions, one Pagefind bundle each, listed in
  // pagefind/bundles.json; the first carries Pagefind's script, the others are merged into
  // it (mergeIndex) once per page, and one search covers them all.
  fullText.index ??= (async () => {
    const response = await fetch(new URL("pagefind/bundles.json", root));
    if (!response.ok) throw new Error(`no search index (${response.status})`);
    const paths = (await response.json()).bundles.map((bundle) => new URL(`pagefind/${bundle}`, root));
    if (!paths.length) return null;
    const pagefind = await import(new URL("pagefind.js", paths[0]).href);
    const options = { baseUrl: root.pathname, excerptLength: 24 };
    await pagefind.options(options);
    for (const path of paths.slice(1)) await pagefind.mergeIndex(path.pathname, options);
    return pagefind;
  })();
  const pagefind = await fullText.index;
  if (!pagefind) return [];
  // The formulary status is a Pagefind filter (data-pagefind-filter="status" on the badge).
  const search = await pagefind.search(query, status ? { filters: { status } } : {});
  // A bundle in which a word of the query occurs nowhere answers with near misses ("cough"
  // finding "CoA"), and a page missing one word of several still matches the others in it;
  // one index of the whole site would have found neither. So a hit is kept only when every
  // word of the query matched in it: a word of the page that starts as the query word does
  // (its first half at least: Pagefind matches stems, "bleeding" finds "bleeds").
  const plain = (word) => word.toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
  const wanted = query.split(/\s+/).map(plain).filter(Boolean);
  const matchesAll = (data) => {
    const words = data.content.split(/[\r\n\s]+/g);
    const found = data.locations.map((at) => plain(words[at] || ""));
    return wanted.every((word) => {
      const stem = word.slice(0, Math.max(3, Math.floor(word.length / 2)));
      return found.some((candidate) => candidate.startsWith(stem));
    });
  };
  const kept = [];
  const checked = Math.min(search.results.length, MAX_CHECKED);
  for (let start = 0; start < checked && kept.length < MAX_RESULTS; start += MAX_RESULTS) {
    const batch = search.results.slice(start, start + MAX_RESULTS);
    kept.push(...(await Promise.all(batch.map((result) => result.data()))).filter(matchesAll));
  }
  return kept.slice(0, MAX_RESULTS);
}

function resultItem(root, { name, url, drugClass, summary, brand, excerpt, status, review }) {
  const item = element("li", { class: "search-result" });
  const heading = element("h3");
  heading.append(element("a", { href: new URL(url, root).pathname }, name));
  item.append(heading);
  // The formulary status and whether a clinician has reviewed it, in words.
  const detail = [drugClass, brand && `brand ${brand}`, status, review].filter(Boolean).join(" · ");
  if (detail) item.append(element("p", { class: "result-class" }, detail));
  if (summary) item.append(element("p", { class: "result-summary" }, summary));
  if (excerpt) {
    const text = element("p", { class: "result-excerpt" });
    text.append(...excerptNodes(excerpt));
    item.append(text);
  }
  return item;
}

/** Links that narrow the results to one formulary status (only when the site has them). */
function statusFilter(page, query, statuses, current) {
  if (!statuses.length) return null;
  const nav = element("p", { class: "status-filter" }, "Formulary status: ");
  const link = (label, value) => {
    const url = new URL(page);
    url.search = "";
    url.searchParams.set("q", query);
    if (value) url.searchParams.set("status", value);
    const attributes = { href: url.pathname + url.search };
    if (value === current) attributes["aria-current"] = "true";
    return element("a", attributes, label);
  };
  nav.append(link("any", ""));
  for (const status of statuses) nav.append(" · ", link(status, status));
  return nav;
}

/** A result for a drug of the list; `extra`: what Pagefind adds (an excerpt). */
function drugResult(drug, extra = {}) {
  return {
    drug,
    name: drug.name,
    url: drug.url,
    drugClass: drug.class,
    status: drug.status,
    review: drug.review,
    ...extra,
  };
}

/** Show the results for `query` near the top of <main>; `status`: only that formulary status. */
/** The link that asks for the full text of every monograph to be searched for `query`. */
function fullTextLink(page, query, status) {
  const url = new URL(page);
  url.search = "";
  url.searchParams.set("q", query);
  if (status) url.searchParams.set("status", status);
  url.searchParams.set("text", "1");
  const paragraph = element("p", { class: "search-full-text" });
  paragraph.append(element("a", { href: url.pathname + url.search }, `Search the text of every monograph for “${query}”`));
  return paragraph;
}

/** Show the results for `query` near the top of <main>; `status`: only that formulary status;
 * `text`: search the full text even when names match. */
export async function show(query, { root, loadIndex, status: onlyStatus = "", text = false }) {
  const main = document.querySelector("main");
  if (!main) return;
  const section = element("section", {
    class: "search-results",
    "aria-labelledby": "search-results-heading",
  });
  const heading = element(
    "h2",
    { id: "search-results-heading", tabindex: "-1" },
    `Search results for “${query}”`,
  );
  const status = element("p", { class: "search-status", role: "status" }, "Searching…");
  const list = element("ol", { class: "search-result-list" });
  section.append(heading, status, list);
  const title = main.querySelector("h1");
  if (title) title.after(section);
  else main.prepend(section);
  document.title = `${query} — search — ${document.title}`;
  heading.focus();

  const index = await loadIndex();
  const filter = statusFilter(window.location.href, query, index.statuses, onlyStatus);
  if (filter) heading.after(filter);
  const keep = onlyStatus ? (drug) => drug.status === onlyStatus : null;
  const results = index
    .rank(query, { limit: MAX_RESULTS, keep })
    .map(({ drug, brand }) => drugResult(drug, { brand }));
  const paint = (summaries) => {
    const items = results.slice(0, MAX_RESULTS).map((result) => {
      const summary = result.drug ? summaries.get(result.drug.position) : "";
      return resultItem(root, { ...result, summary });
    });
    list.replaceChildren(...items);
  };
  paint(new Map()); // the names at once; their summaries as they arrive
  const nameSummaries = loadSummaries(root, index, results.map((result) => result.drug));
  nameSummaries.then(paint);

  const corrected = index.correct(query);
  let fullTextFailed = false;
  // Full-text hits come after the name matches: when those fill the page, none would show.
  // When names match, the full text is searched only on request (the link below the list).
  const searchText = text || !results.length;
  if (searchText && results.length < MAX_RESULTS) {
    try {
      const byPath = new Map(index.drugs.map((drug) => [root.pathname + drug.url, drug]));
      const seen = new Set(results.map((result) => root.pathname + result.url));
      for (const hit of await fullText(corrected || query, root, onlyStatus)) {
        const path = new URL(hit.url, root).pathname;
        if (seen.has(path)) continue;
        seen.add(path);
        const drug = byPath.get(path);
        const excerpt = hit.excerpt;
        results.push(
          drug
            ? drugResult(drug, { excerpt })
            : { name: hit.meta.title, url: path, drugClass: hit.meta.class || "", excerpt },
        );
      }
    } catch {
      fullTextFailed = true; // offline without the saved index, or a build with --no-search
    }
  }
  await nameSummaries;
  const shown = results.slice(0, MAX_RESULTS);
  paint(await loadSummaries(root, index, shown.map((result) => result.drug).filter(Boolean)));
  let message = shown.length
    ? `${shown.length} result${shown.length === 1 ? "" : "s"}`
    : "No monograph matches; try another spelling, or find the drug by its first letter below";
  if (!searchText) message += " by name, brand or class";
  else if (corrected && shown.length) message += `, including matches for “${corrected}”`;
  if (fullTextFailed) message += ". Full-text search is unavailable; showing name matches only";
  status.textContent = `${message}.`;
  if (!searchText) list.after(fullTextLink(window.location.href, query, onlyStatus));
}
