// newsd's search page: the state lives in the address (q, sort, source, lang, day), so a
// search can be bookmarked and the back button works. Text from the server goes in with
// textContent; only the highlighted title and snippet (escaped by the server, <b> added) go in
// as HTML.
"use strict";

const $ = (selector) => document.querySelector(selector);

function state() {
  const params = new URLSearchParams(location.search);
  return {
    q: params.get("q") || "",
    sort: params.get("sort") || "relevance",
    source: params.getAll("source"),
    lang: params.getAll("lang"),
    day: params.get("day") || "",
  };
}

function go(next) {
  const params = new URLSearchParams();
  if (next.q) params.set("q", next.q);
  if (next.sort !== "relevance") params.set("sort", next.sort);
  next.source.forEach((s) => params.append("source", s));
  next.lang.forEach((l) => params.append("lang", l));
  if (next.day) params.set("day", next.day);
  history.pushState(null, "", params.toString() ? `/?${params}` : "/");
  render();
}

function searchParams(current, cursor) {
  const params = new URLSearchParams({ q: current.q, facets: "true", sort: current.sort });
  current.source.forEach((s) => params.append("source", s));
  current.lang.forEach((l) => params.append("lang", l));
  if (current.day) {
    params.set("since", `${current.day}T00:00:00Z`);
    params.set("until", `${current.day}T23:59:59Z`);
  }
  // A story's own page lists every article of it.
  if (/^story:\d+$/.test(current.q.trim())) params.set("collapse", "none");
  if (cursor) params.set("cursor", cursor);
  return params;
}

function el(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function safeHref(url) {
  return /^https?:\/\//i.test(url) ? url : "#";
}

function hitNode(hit) {
  const article = el("article", { class: "hit", "data-id": hit.id });
  const title = el("h3");
  const link = el("a", { href: safeHref(hit.url), rel: "noopener noreferrer" });
  link.innerHTML = hit.title_html;
  title.append(link);
  const date = hit.published ? new Date(hit.published).toISOString().slice(0, 16).replace("T", " ") : "undated";
  const meta = el("p", { class: "meta" }, [hit.source, date, hit.lang].filter(Boolean).join(" · "));
  const snippet = el("p", { class: "snippet" });
  snippet.innerHTML = hit.snippet_html;
  article.append(title, meta, snippet);
  const others = [...new Set([...hit.more_sources, ...hit.copies.map((c) => c.source)])]
    .filter((s) => s !== hit.source);
  if (hit.more_in_story > 0 || others.length) {
    const more = el("p", { class: "more" });
    const count = hit.more_in_story > 0 ? `${hit.more_in_story} more` : "Also";
    more.textContent = `${count} from ${others.join(", ")}`;
    if (hit.story_id) {
      const all = el("a", { href: `/?q=${encodeURIComponent(`story:${hit.story_id}`)}` }, " · the whole story");
      more.append(all);
    }
    article.append(more);
  }
  return article;
}

function facetList(name, counts, current) {
  const list = document.querySelector(`#facets [data-facet="${name}"] ul`);
  list.replaceChildren();
  for (const { value, count } of counts) {
    const item = el("li");
    const button = el("button", { type: "button", "data-facet": name, "data-value": value }, value);
    button.append(el("span", {}, ` (${count})`));
    button.addEventListener("click", () => {
      const next = state();
      if (name === "day") next.day = value;
      else if (!next[name].includes(value)) next[name].push(value);
      go(next);
    });
    item.append(button);
    list.append(item);
  }
  list.parentElement.hidden = counts.length === 0;
}

function filterChips(current) {
  const chips = $("#filters");
  chips.replaceChildren();
  const chip = (label, remove) => {
    const button = el("button", { type: "button", class: "chip", title: "Remove this filter" }, `${label} ×`);
    button.addEventListener("click", () => { const next = state(); remove(next); go(next); });
    chips.append(button);
  };
  current.source.forEach((s) => chip(`source: ${s}`, (n) => { n.source = n.source.filter((x) => x !== s); }));
  current.lang.forEach((l) => chip(`lang: ${l}`, (n) => { n.lang = n.lang.filter((x) => x !== l); }));
  if (current.day) chip(`day: ${current.day}`, (n) => { n.day = ""; });
}

async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `the server answered ${response.status}`);
  return body;
}

async function search(current, cursor) {
  const error = $("#error");
  error.hidden = true;
  try {
    const page = await fetchJson(`/api/v1/search?${searchParams(current, cursor)}`);
    const results = $("#results");
    if (!cursor) results.replaceChildren();
    page.hits.forEach((hit) => results.append(hitNode(hit)));
    $("#status").textContent = page.total === 0
      ? `No articles match ${current.q}.`
      : `${page.total} article${page.total === 1 ? "" : "s"}`;
    const more = $("#more");
    more.hidden = !page.next_cursor;
    more.onclick = () => search(current, page.next_cursor);
    if (page.facets && !cursor) {
      $("#facets").hidden = false;
      facetList("source", page.facets.source, current);
      facetList("day", page.facets.day, current);
      facetList("lang", page.facets.lang, current);
    }
    const feedQuery = searchParams(current);
    feedQuery.delete("facets");
    $("#feed-atom").href = `/feeds/search.atom?${feedQuery}`;
    $("#feed-json").href = `/feeds/search.json?${feedQuery}`;
    $("#feed-link").href = `/feeds/search.atom?${feedQuery}`;
    $("#feed").hidden = false;
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
    $("#results").replaceChildren();
    $("#status").textContent = "";
  }
}

async function topStories() {
  const list = $("#top-stories");
  list.replaceChildren();
  try {
    // The most covered stories of the last three days; when the last days brought nothing
    // (a fresh install, a daemon that was stopped), the latest ones.
    let stories = [];
    for (const since of ["3d", "1970-01-01"]) {
      ({ stories } = await fetchJson(`/api/v1/stories?since=${since}&limit=20`));
      if (stories.length > 0) break;
    }
    for (const story of stories) {
      const item = el("li", { "data-story": story.id });
      item.append(el("a", { href: `/?q=${encodeURIComponent(`story:${story.id}`)}` }, story.title));
      item.append(el("div", { class: "sources" }, `${story.article_count} articles · ${story.sources.join(", ")}`));
      list.append(item);
    }
    $("#top").hidden = stories.length === 0;
  } catch (e) {
    $("#top").hidden = true;
  }
}

function render() {
  const current = state();
  $("#q").value = current.q;
  $("#sort").value = current.sort;
  filterChips(current);
  const searching = current.q.trim() !== "";
  $("#top").hidden = searching;
  $("#facets").hidden = !searching;
  $("#more").hidden = true;
  $("#feed").hidden = true;
  if (searching) {
    search(current);
  } else {
    $("#results").replaceChildren();
    $("#status").textContent = "";
    $("#error").hidden = true;
    topStories();
  }
}

$("#search").addEventListener("submit", (event) => {
  event.preventDefault();
  const next = state();
  next.q = $("#q").value.trim();
  next.sort = $("#sort").value;
  go(next);
});
$("#sort").addEventListener("change", () => {
  const next = state();
  next.sort = $("#sort").value;
  if (next.q) go(next);
});
window.addEventListener("popstate", render);
render();
