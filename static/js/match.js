// Drug-name matching for the search box and the results: names, brand names and classes,
// by whole name, prefix, word start, and with typos (Pagefind matches prefixes and word
// stems, not misspellings, so "warfrin" or "amoxicilin" need this).

/** Lower case, accents and punctuation removed: "Co-amoxiclav" -> "co amoxiclav". */
export function fold(text) {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b; limit + 1 if more. */
export function distance(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before = null;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
      if (before && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, before[j - 2] + 1);
      }
      row[j] = value;
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    before = previous;
    previous = row;
  }
  return previous[b.length];
}

/** Typos forgiven in a word of this length: none below 4 letters, 1 up to 6, then 2. */
export function allowedTypos(length) {
  if (length < 4) return 0;
  return length < 7 ? 1 : 2;
}

/** Typos between a query word and a word (whole, or its start while still typing). */
function typos(query, word) {
  const limit = allowedTypos(query.length);
  if (!limit) return Infinity;
  const whole = distance(query, word, limit);
  const start = distance(query, word.slice(0, query.length), limit);
  const found = Math.min(whole, start);
  return found <= limit ? found : Infinity;
}

/** 0 (no match) to 100 (the whole text) for how well a folded query matches one text. */
function fieldScore(query, text) {
  if (text === query) return 100;
  if (text.startsWith(query)) return 90;
  if (` ${text}`.includes(` ${query}`)) return 80;
  if (text.replaceAll(" ", "").startsWith(query.replaceAll(" ", ""))) return 75; // "betablocker"
  const words = text.split(" ");
  let missed = 0;
  for (const part of query.split(" ")) {
    if (words.some((w) => w.startsWith(part))) continue;
    const best = Math.min(...words.map((w) => typos(part, w)));
    if (best === Infinity) return 0;
    missed += best;
  }
  return Math.max(30, 70 - 10 * missed);
}

const NAME_WEIGHT = 1;
const BRAND_WEIGHT = 0.95;
const CLASS_WEIGHT = 0.6;

/**
 * Rank drugs ({name, url, class, brands}) for a query, best first.
 * Each hit is {drug, score, brand}: brand is the brand name that matched, if that was best.
 */
export function rankDrugs(query, drugs) {
  const folded = fold(query);
  if (folded.length < 2) return [];
  const hits = [];
  for (const drug of drugs) {
    let score = fieldScore(folded, fold(drug.name)) * NAME_WEIGHT;
    let brand = null;
    for (const name of drug.brands) {
      const value = fieldScore(folded, fold(name)) * BRAND_WEIGHT;
      if (value > score) [score, brand] = [value, name];
    }
    score = Math.max(score, fieldScore(folded, fold(drug.class)) * CLASS_WEIGHT);
    if (score > 0) hits.push({ drug, score, brand });
  }
  return hits.sort((a, b) => b.score - a.score || a.drug.name.localeCompare(b.drug.name));
}

/**
 * The query with misspelt words replaced by the nearest drug, brand or class word, for the
 * full-text search; null when nothing needed correcting.
 */
export function correctQuery(query, drugs) {
  const vocabulary = new Set();
  for (const drug of drugs) {
    for (const text of [drug.name, drug.class, ...drug.brands]) {
      for (const word of fold(text).split(" ")) if (word.length > 2) vocabulary.add(word);
    }
  }
  const words = [...vocabulary].sort();
  let changed = false;
  const corrected = fold(query)
    .split(" ")
    .map((part) => {
      if (part.length < 4 || words.some((w) => w.startsWith(part))) return part;
      let best = null;
      let fewest = Infinity;
      for (const word of words) {
        const found = distance(part, word, allowedTypos(part.length));
        if (found < fewest && found <= allowedTypos(part.length)) [best, fewest] = [word, found];
      }
      if (best === null) return part;
      changed = true;
      return best;
    });
  return changed ? corrected.join(" ") : null;
}
