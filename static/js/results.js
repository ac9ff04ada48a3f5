// Search results, shown on the A–Z page when it is opened as /?q=... (the header form's
// target). Drug names, brands and classes that match (typos forgiven) come first; then
// Pagefind's full-text hits in the monographs' sections. Each result shows the drug's name,
// class and summary.
import { correctQuery, rankDrugs } from "./match.js";

const MAX_RESULTS = 30;

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

/** Each monograph's summary by URL ({} when unavailable: results then show no summary). */
async function loadSummaries(root) {
  try {
    const response = await fetch(new URL("search/summaries.json", root));
    return response.ok ? await response.json() : {};
  } catch {
    return {};
  }
}

async function fullText(query, root, status) {
  const pagefind = await import(new URL("pagefind/pagefind.js", root).href);
  await pagefind.options({ baseUrl: root.pathname, excerptLength: 24 });
  // The formulary status is a Pagefind filter (data-pagefind-filter="status" on the badge).
  const search = await pagefind.search(query, status ? { filters: { status } } : {});
  return Promise.all(search.results.slice(0, MAX_RESULTS).map((result) => result.data()));
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
function statusFilter(root, query, drugs, current) {
  const statuses = [...new Set(drugs.map((drug) => drug.status).filter(Boolean))].sort();
  if (!statuses.length) return null;
  const nav = element("p", { class: "status-filter" }, "Formulary status: ");
  const link = (label, value) => {
    const url = new URL(root);
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

/** Show the results for `query` near the top of <main>; `status`: only that formulary status. */
export async function show(query, { root, loadDrugs, status: onlyStatus = "" }) {
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

  const [allDrugs, summaries] = await Promise.all([loadDrugs(), loadSummaries(root)]);
  const filter = statusFilter(root, query, allDrugs, onlyStatus);
  if (filter) heading.after(filter);
  const drugs = onlyStatus ? allDrugs.filter((drug) => drug.status === onlyStatus) : allDrugs;
  const byPath = new Map(drugs.map((drug) => [new URL(drug.url, root).pathname, drug]));
  const results = rankDrugs(query, drugs).map(({ drug, brand }) => ({
    name: drug.name,
    url: drug.url,
    drugClass: drug.class,
    summary: summaries[drug.url],
    brand,
    status: drug.status,
    review: drug.review,
  }));
  const corrected = correctQuery(query, drugs);
  let fullTextFailed = false;
  try {
    const seen = new Set(results.map((result) => new URL(result.url, root).pathname));
    for (const hit of await fullText(corrected || query, root, onlyStatus)) {
      const path = new URL(hit.url, root).pathname;
      if (seen.has(path)) continue;
      seen.add(path);
      const drug = byPath.get(path);
      results.push({
        name: drug ? drug.name : hit.meta.title,
        url: path,
        drugClass: drug ? drug.class : hit.meta.class || "",
        summary: drug ? summaries[drug.url] : "",
        status: drug ? drug.status : "",
        review: drug ? drug.review : "",
        excerpt: hit.excerpt,
      });
    }
  } catch {
    fullTextFailed = true; // offline without the saved index, or a build with --no-search
  }
  const shown = results.slice(0, MAX_RESULTS);
  list.replaceChildren(...shown.map((result) => resultItem(root, result)));
  let message = shown.length
    ? `${shown.length} result${shown.length === 1 ? "" : "s"}`
    : "No monograph matches; try another spelling, or find the drug in the A–Z list below";
  if (corrected && shown.length) message += `, including matches for “${corrected}”`;
  if (fullTextFailed) message += ". Full-text search is unavailable; showing name matches only";
  status.textContent = `${message}.`;
}
