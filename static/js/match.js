// Drug-name matching for the search box and the results: names, brand names and classes,
// by whole name, prefix, word start, and with typos (Pagefind matches prefixes and word
// stems, not misspellings, so "warfrin" or "amoxicilin" need this).
//
// Fast at 10,000 monographs: the list is folded once, into a sorted vocabulary of its words
// (each with the drugs it is in). A keystroke looks each query word up in the vocabulary (a
// binary search for the prefix, one pass over the distinct words for typos), scores only the
// drugs found and keeps the best few; it never re-folds or re-sorts the whole list.

/** Lower case, accents and punctuation removed: "Co-amoxiclav" -> "co amoxiclav". */
export function fold(text) {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

let rows = [new Int32Array(32), new Int32Array(32), new Int32Array(32)];

/** Edits (insert, delete, substitute, swap two neighbours) from a to b; limit + 1 if more. */
export function distance(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (rows[0].length <= b.length) rows = rows.map(() => new Int32Array(b.length + 1));
  let [before, previous, row] = rows;
  for (let j = 0; j <= b.length; j += 1) previous[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    row[0] = i;
    let best = i;
    const letter = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j += 1) {
      const cost = letter === b.charCodeAt(j - 1) ? 0 : 1;
      let value = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
      if (
        i > 1 &&
        j > 1 &&
        letter === b.charCodeAt(j - 2) &&
        a.charCodeAt(i - 2) === b.charCodeAt(j - 1)
      ) {
        value = Math.min(value, before[j - 2] + 1);
      }
      row[j] = value;
      if (value < best) best = value;
    }
    if (best > limit) return limit + 1;
    [before, previous, row] = [previous, row, before];
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
  const start = word.length > query.length ? distance(query, word.slice(0, query.length), limit) : whole;
  const found = Math.min(whole, start);
  return found <= limit ? found : Infinity;
}

/** A name, brand or class, folded once: its text, its words, and its text without spaces. */
function field(text) {
  const folded = fold(text);
  return { text: folded, words: folded.split(" "), joined: folded.replaceAll(" ", "") };
}

/** The query as fieldScore needs it, folded once per keystroke. */
function prepared(query) {
  const text = fold(query);
  return { text, spaced: ` ${text}`, parts: text.split(" "), joined: text.replaceAll(" ", "") };
}

/** 0 (no match) to 100 (the whole text) for how well a prepared query matches one field. */
function fieldScore(query, { text, words, joined }) {
  if (text === query.text) return 100;
  if (text.startsWith(query.text)) return 90;
  if (text.includes(query.spaced)) return 80;
  if (joined.startsWith(query.joined)) return 75; // "betablocker"
  let missed = 0;
  for (const part of query.parts) {
    if (words.some((w) => w.startsWith(part))) continue;
    let best = Infinity;
    for (const word of words) best = Math.min(best, typos(part, word));
    if (best === Infinity) return 0;
    missed += best;
  }
  return Math.max(30, 70 - 10 * missed);
}

const NAME_WEIGHT = 1;
const BRAND_WEIGHT = 0.95;
const CLASS_WEIGHT = 0.6;

/** First index in the sorted `words` whose word is not before `text`. */
function lowerBound(words, text) {
  let [low, high] = [0, words.length];
  while (low < high) {
    const middle = (low + high) >> 1;
    if (words[middle] < text) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Sorted distinct keys of a Map of key -> drug positions, and their positions. */
function sortedIndex(map) {
  const keys = [...map.keys()].sort();
  return { keys, postings: keys.map((key) => map.get(key)) };
}

/**
 * The drugs of ``search/drugs.json`` ({name, url, class, brands, review, status, position}),
 * from its compact rows ([name, slug or "", class, review, status, ...brands]; class, review
 * and status are positions in the lists beside them).
 */
export function readDrugIndex(data) {
  return data.drugs.map(([name, slug, drugClass, review, status, ...brands], position) => ({
    name,
    url: `drugs/${slug || name.toLowerCase()}/`,
    class: data.classes[drugClass],
    brands,
    review: data.reviews[review],
    status: data.statuses[status],
    position,
  }));
}

/**
 * The drug list folded and indexed once; rank and correct queries against it.
 * `summaryShard`: how many drugs' summaries each file of search/summaries/ holds.
 */
export class DrugIndex {
  constructor(drugs, { summaryShard = 16 } = {}) {
    this.drugs = drugs;
    this.summaryShard = summaryShard;
    this.statuses = [...new Set(drugs.map((drug) => drug.status).filter(Boolean))].sort();
    const classes = new Map();
    const words = new Map();
    const joined = new Map();
    const add = (map, key, position) => {
      const positions = map.get(key);
      if (positions === undefined) map.set(key, [position]);
      else if (positions[positions.length - 1] !== position) positions.push(position);
    };
    this.fields = drugs.map((drug, position) => {
      if (!classes.has(drug.class)) classes.set(drug.class, field(drug.class));
      const own = {
        name: field(drug.name),
        brands: drug.brands.map(field),
        class: classes.get(drug.class),
      };
      for (const one of [own.name, own.class, ...own.brands]) {
        for (const word of one.words) add(words, word, position);
        add(joined, one.joined, position); // for "betablocker", "warf arin"
      }
      return own;
    });
    this.words = sortedIndex(words);
    this.joined = sortedIndex(joined);
  }

  /** Positions of the drugs with a word that `part` starts, or is a typo of. */
  _drugsWith(part, into) {
    const { keys, postings } = this.words;
    const add = (i) => {
      for (const position of postings[i]) into.add(position);
    };
    for (let i = lowerBound(keys, part); i < keys.length && keys[i].startsWith(part); i += 1) {
      add(i);
    }
    const limit = allowedTypos(part.length);
    if (!limit) return into;
    for (let i = 0; i < keys.length; i += 1) {
      const word = keys[i];
      if (word.length >= part.length - limit && typos(part, word) <= limit) add(i);
    }
    return into;
  }

  /** Every drug that can score above 0: all query words match one field, or joined text. */
  _candidates(query) {
    let found = null;
    for (const part of new Set(query.parts)) {
      const matched = this._drugsWith(part, new Set());
      found = found === null ? matched : new Set([...found].filter((p) => matched.has(p)));
    }
    const { keys, postings } = this.joined;
    for (let i = lowerBound(keys, query.joined); i < keys.length; i += 1) {
      if (!keys[i].startsWith(query.joined)) break;
      for (const position of postings[i]) found.add(position);
    }
    return found;
  }

  /**
   * The drugs for a query, best first (ties in A–Z order), at most `limit`; `keep` (a drug)
   * filters. Each hit is {drug, score, brand}: brand is the brand name that matched, if best.
   */
  rank(query, { limit = Infinity, keep = null } = {}) {
    const wanted = prepared(query);
    if (wanted.text.length < 2) return [];
    const hits = [];
    const better = (a, b) => b.score - a.score || a.drug.position - b.drug.position;
    const classScores = new Map(); // a class is scored once, not once a member
    for (const position of this._candidates(wanted)) {
      const drug = this.drugs[position];
      if (keep && !keep(drug)) continue;
      const own = this.fields[position];
      let score = fieldScore(wanted, own.name) * NAME_WEIGHT;
      let brand = null;
      own.brands.forEach((one, i) => {
        const value = fieldScore(wanted, one) * BRAND_WEIGHT;
        if (value > score) [score, brand] = [value, drug.brands[i]];
      });
      let classScore = classScores.get(own.class);
      if (classScore === undefined) {
        classScore = fieldScore(wanted, own.class) * CLASS_WEIGHT;
        classScores.set(own.class, classScore);
      }
      score = Math.max(score, classScore);
      if (score <= 0) continue;
      const hit = { drug, score, brand };
      if (hits.length >= limit && better(hit, hits[hits.length - 1]) >= 0) continue;
      let at = hits.length;
      while (at > 0 && better(hit, hits[at - 1]) < 0) at -= 1;
      hits.splice(at, 0, hit);
      if (hits.length > limit) hits.pop();
    }
    return hits;
  }

  /**
   * The query with misspelt words replaced by the nearest drug, brand or class word, for the
   * full-text search; null when nothing needed correcting.
   */
  correct(query) {
    const words = this.words.keys.filter((w) => w.length > 2);
    let changed = false;
    const corrected = fold(query)
      .split(" ")
      .map((part) => {
        if (part.length < 4) return part;
        const from = lowerBound(words, part);
        if (from < words.length && words[from].startsWith(part)) return part;
        const limit = allowedTypos(part.length);
        let best = null;
        let fewest = Infinity;
        for (const word of words) {
          const found = distance(part, word, limit);
          if (found < fewest && found <= limit) [best, fewest] = [word, found];
        }
        if (best === null) return part;
        changed = true;
        return best;
      });
    return changed ? corrected.join(" ") : null;
  }
}

/** Rank drugs ({name, url, class, brands}) for a query, best first (see DrugIndex.rank). */
export function rankDrugs(query, drugs) {
  return new DrugIndex(drugs.map((drug, position) => ({ ...drug, position }))).rank(query);
}
