// The docs site's script: the theme toggle (remembered) and search over search-index.json.
const root = document.body.dataset.root ?? "";
const html = document.documentElement;
const saved = localStorage.getItem("docs-theme");
if (saved) html.dataset.theme = saved;
document.getElementById("theme")?.addEventListener("click", () => {
  const dark = html.dataset.theme
    ? html.dataset.theme === "dark"
    : matchMedia("(prefers-color-scheme: dark)").matches;
  html.dataset.theme = dark ? "light" : "dark";
  localStorage.setItem("docs-theme", html.dataset.theme);
});

let index = null;
const results = document.getElementById("results");
document.getElementById("search")?.addEventListener("input", async (e) => {
  const query = e.target.value.trim().toLowerCase();
  if (query.length < 2) {
    results.hidden = true;
    return;
  }
  index ??= await (await fetch(`${root}search-index.json`)).json();
  const hits = [];
  for (const page of index) {
    for (const [id, heading] of page.headings) {
      if (heading.toLowerCase().includes(query)) hits.push([`${page.url}#${id}`, `${page.title}: ${heading}`]);
    }
    if (page.title.toLowerCase().includes(query) || page.text.toLowerCase().includes(query)) {
      hits.push([page.url, page.title]);
    }
  }
  results.replaceChildren(
    ...[...new Map(hits).entries()].slice(0, 12).map(([url, label]) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = root + url;
      a.textContent = label;
      li.append(a);
      return li;
    }),
  );
  results.hidden = hits.length === 0;
});
