// The header search box, enhanced. Without JavaScript it is a plain form that opens the
// search page (search/), which then offers the A–Z letters. With it, the box becomes an ARIA
// combobox (the APG "list autocomplete" pattern):
// after 2 letters it suggests drug names, brands and classes; ArrowDown/ArrowUp move through
// the suggestions, Enter opens one (or, with none chosen, the full results on the search page),
// Escape closes the list (a second Escape clears the box).
// Nothing is downloaded until the box is used: search/drugs.json on first focus or input,
// the results code and Pagefind only on the results page.
import { DrugIndex, fold, readDrugIndex } from "./match.js";

const root = new URL("../../", import.meta.url);
const MAX_SUGGESTIONS = 8;
let drugIndex = null;

/** The drug list of this build, indexed (a DrugIndex); an empty one if unavailable. */
export function loadIndex() {
  drugIndex ??= fetch(new URL("search/drugs.json", root))
    .then((response) => (response.ok ? response.json() : null))
    .then((data) => new DrugIndex(data ? readDrugIndex(data) : [], { summaryShard: data?.shard }))
    .catch(() => {
      drugIndex = null; // offline and not saved: try again next time
      return new DrugIndex([]);
    });
  return drugIndex;
}

function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function enhance(form) {
  const input = form.querySelector("input[name=q]");
  if (!input) return;
  const list = element("ul", {
    id: "site-search-suggestions",
    class: "search-suggestions",
    role: "listbox",
    "aria-label": "Suggested drugs",
  });
  list.hidden = true;
  const status = element("p", { class: "visually-hidden", role: "status" });
  form.append(list, status);
  for (const [name, value] of Object.entries({
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": list.id,
    autocomplete: "off",
  })) {
    input.setAttribute(name, value);
  }

  let hits = [];
  let active = -1;
  let request = 0;

  const open = () => {
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const choose = (index) => {
    const options = list.querySelectorAll("[role=option]");
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  };
  const go = (index) => {
    window.location.assign(new URL(hits[index].drug.url, root));
  };
  const render = () => {
    list.replaceChildren(
      ...hits.map((hit, i) => {
        const option = element("li", {
          id: `site-search-option-${i}`,
          role: "option",
          "aria-selected": "false",
        });
        // The formulary status and whether a clinician has reviewed it, in words.
        const detail = [hit.brand, hit.drug.class, hit.drug.status, hit.drug.review]
          .filter(Boolean)
          .join(" · ");
        option.append(
          element("span", { class: "suggestion-name" }, hit.drug.name),
          " ",
          element("span", { class: "suggestion-detail" }, detail),
        );
        option.addEventListener("click", () => go(i));
        return option;
      }),
    );
    active = -1;
    if (hits.length) {
      open();
      status.textContent =
        `${hits.length} suggestion${hits.length === 1 ? "" : "s"}; ` +
        "use the up and down arrows to choose, Enter to open.";
    } else {
      close();
      status.textContent = "No drug names match; press Enter to search all monographs.";
    }
  };
  const update = async () => {
    const query = input.value;
    const mine = (request += 1);
    if (fold(query).length < 2) {
      hits = [];
      close();
      status.textContent = "";
      return;
    }
    const index = await loadIndex();
    if (mine !== request) return; // a later keystroke has already answered
    hits = index.rank(query, { limit: MAX_SUGGESTIONS });
    render();
  };

  input.addEventListener("focus", loadIndex, { once: true });
  input.addEventListener("input", update);
  input.addEventListener("keydown", (event) => {
    const expanded = !list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!hits.length) return;
      event.preventDefault();
      if (!expanded) open();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const start = active < 0 && step < 0 ? hits.length : active;
      choose((start + step + hits.length) % hits.length);
    } else if (event.key === "Enter" && expanded && active >= 0) {
      event.preventDefault();
      go(active);
    } else if (event.key === "Escape") {
      if (expanded) {
        event.preventDefault();
        close();
      } else if (input.value) {
        event.preventDefault();
        input.value = "";
        hits = [];
        status.textContent = "";
      }
    }
  });
  input.addEventListener("blur", close);
  // Keep focus in the box while an option is clicked or tapped.
  list.addEventListener("pointerdown", (event) => event.preventDefault());
  return input;
}

const form = document.querySelector("form.site-search");
const input = form && enhance(form);
const query = new URLSearchParams(window.location.search).get("q");
if (form && input && query && query.trim() && new URL(form.action).pathname === window.location.pathname) {
  input.value = query;
  const params = new URLSearchParams(window.location.search);
  const status = params.get("status") || "";
  const text = params.get("text") === "1"; // the full text asked for (see results.js)
  import("./results.js").then((results) => results.show(query, { root, loadIndex, status, text }));
}
