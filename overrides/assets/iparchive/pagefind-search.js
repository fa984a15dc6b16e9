/* 知识产权政策文库: clause search in the browser, exact like `iparchive search`.
 *
 * A clause is a hit when its text holds every query term exactly (after the
 * CLI's folding: NFKC, lower case, any run of punctuation/space is one
 * separator), so 三合一 never matches 三是 or （三）, and a highlight covers
 * the term, never its characters one by one.  Terms: words separated by
 * spaces (all must occur), "quoted phrases" or “引号短语”.
 *
 * Small archives (Material's search, works from file://): Material's own
 * index (search/search_index.json, or search_index.js from file://) is read
 * as a list of clauses; our results replace Material's list in the same
 * search panel; only document pages are searched (help pages never rank);
 * a screen is 20 documents with every hit of each (显示更多: the next 20).
 * Facets (the same five filters) come from each page's hidden filter values
 * (search_pages.facets_html), which Material's index keeps as text.
 *
 * Large archives (meta iparchive-search=pagefind, over http): Pagefind
 * indexes one word per Han character position, the character and the next
 * one (build_tools/write/search_pages.py).  A term of Han characters is asked
 * for by the bigrams covering it (offsets 0, 2, 4 … and the last), one
 * Pagefind search per word (locations are not told apart by word); a page
 * holds the term where the bigrams sit at consecutive positions, so the
 * first screen knows exactly which documents hold the query and how often,
 * before any page fragment is fetched: 「共 N 个文件」 at once, the clause count
 * exact once every document is on screen (「约 M 条」 before, with the reason).
 * Each word asked costs an index chunk in every shard, so a longer term is
 * asked sparsely first (its two end bigrams, at their distance): when at
 * most 20 pages are candidates, the first screen checks each in its
 * fragment and the count is final once they are in; only with more are the
 * other bigrams asked (findPages).  A phrase held by more than 20 pages
 * (依法追究刑事责任: 1,931) needs its whole cover for the exact count, but
 * its first result shows before the last word is asked, once the first
 * candidate's fragment proves it first (firstEarly).  Two terms of about
 * the same length are each probed by one word first, and the rarer one is
 * completed first (askOrder).
 * Several terms must share a clause: where each clause starts on a page
 * (pagefind/clauses/<page id>.txt, from Pagefind's own anchors) and each
 * page's longest clause (clauses/spans.txt) tell, from the words' locations
 * alone, which candidates hold them in one clause -- exactly, once every
 * term's cover is asked (byClauses, bySpans); a term whose cover is not
 * whole leaves a superset, checked in the fragments.  Of two runs, one
 * whose asked end is in half the pages (行政 of 行政处罚) is completed first.
 * Other terms (letters, digits, marks inside) and the theme filter give
 * candidates, checked clause by clause, and the count says 「约」 with the
 * reason until all are checked (final on the first screen when they are at
 * most 20).
 * Order (as `iparchive search`, search/query.rank_rows): documents whose
 * title holds the query first (in the title slot: search_pages.TITLE_SLOT), by legal force
 * then newest (Pagefind's force sort: 专利法 before 专利法实施细则), then the
 * others by occurrences, then newest (Pagefind's date sort).  Each screen shows 20
 * documents holding a hit (the first 10 when more than 20 hold one: their
 * page fragments are the screen's bytes) (加载更多: the next 20 hits, never empty
 * candidates; 该文件另有: the rest of a page's clauses).  The query, filters
 * and screens live in the URL (?q=&region=&year=2019..2021&type=&theme=
 * &status=&page=), Back restores them.  window.iparchiveSearchLookups: hooks
 * answered above the hits (a citation such as 专利法第七十一条).
 * Filters (地区 including sub-regions, 年份 range, 文种, 主题 with the CLI's
 * clause-or-document meaning, 状态) are Pagefind filters, combinable, as the
 * CLI's flags.  The index comes in shards by document id (pagefind/ and
 * pagefind/s1/ …, listed in pagefind/iparchive-shards.json), merged with
 * Pagefind's mergeIndex before the first search.  After a small change, a
 * "changes" shard holds the changed pages and the manifest names the page
 * ids of their old versions, never shown (nor counted in the filters).
 */
(function () {
  "use strict";
  if (window.__ipaSearch) return;
  window.__ipaSearch = true;

  var PAGE = 20, FIRST = 10, WAVE = 10, LEAD = 2, PER_DOC = 3, AUTO = 3, SNIPPET = 110, BEFORE = 24;
  var cfg = {};
  try { cfg = JSON.parse(document.getElementById("__config").textContent); } catch (e) { cfg = {}; }
  var base = new URL((cfg.base || ".") + "/", location.href);
  var PAGEFIND = !!document.querySelector('meta[name="iparchive-search"][content="pagefind"]');

  // ------------------------------------------------------------ matching
  var SEP = "|", WORD = /[\p{L}\p{N}]/u;

  // normalised key of a text + map from key offsets to text offsets
  function keyed(text) {
    var key = [], map = [], i = 0;
    for (var ch of text) {
      var n = ch.normalize("NFKC");
      if ([...n].length !== 1) n = ch;
      n = n.toLowerCase();
      if (WORD.test(n)) { key.push(n); map.push(i); }
      else if (key.length && key[key.length - 1] !== SEP) { key.push(SEP); map.push(i); }
      i += ch.length;
    }
    map.push(i);
    return { key: key.join(""), map: map, text: text };
  }

  function esc(s) { return s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&"); }

  // query -> terms: {re, chars} ("quoted phrases" are one term)
  function terms(q) {
    var out = [], m, rx = /"([^"]*)"|“([^”]*)”|「([^」]*)」|(\S+)/g;
    while ((m = rx.exec(q))) {
      var raw = m[1] !== undefined ? m[1] : m[2] !== undefined ? m[2] : m[3] !== undefined ? m[3] : m[4];
      if (!m[1] && !m[2] && !m[3] && /^(AND|&&)$/.test(raw)) continue;
      var k = keyed(raw).key.split(SEP).filter(Boolean);
      if (!k.length) continue;
      out.push({ raw: raw, key: k.join(""), pieces: k, re: new RegExp(k.map(esc).join("\\|?"), "g") });
    }
    return out;
  }

  // does the normalised key hold the term
  function holds(key, t) {
    t.re.lastIndex = 0;
    var ok = t.re.test(key);
    t.re.lastIndex = 0;
    return ok;
  }

  // spans [start, end) in the text where the terms occur, or null if one is missing
  function spans(kt, ts) {
    var out = [];
    for (var t of ts) {
      t.re.lastIndex = 0;
      var m, found = false;
      while ((m = t.re.exec(kt.key))) {
        found = true;
        out.push([kt.map[m.index], kt.map[m.index + m[0].length - 1] + 1]);
        if (!m[0].length) t.re.lastIndex++;
      }
      if (!found) return null;
    }
    out.sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    out.forEach(function (s) {
      var last = merged[merged.length - 1];
      if (last && s[0] < last[1]) last[1] = Math.max(last[1], s[1]);  // overlapping; touching hits stay two marks
      else merged.push(s.slice());
    });
    return merged;
  }

  var PUNCT = /[\s，。；：、！？,.;:!?（）()《》〈〉“”"「」【】〔〕]/;

  // a snippet that starts at a word (after punctuation, or at the hit itself)
  function snippet(text, sp) {
    var first = sp[0][0], start = first;
    for (var i = first - 1; i >= Math.max(0, first - BEFORE); i--) {
      if (PUNCT.test(text[i])) { start = i + 1; break; }
      if (i === 0) start = 0;
    }
    while (start < first && /\s/.test(text[start])) start++;
    var end = Math.min(text.length, start + SNIPPET);
    sp.forEach(function (s) { if (s[0] < end && s[1] > end) end = s[1]; });
    var frag = document.createDocumentFragment(), pos = start;
    if (start > 0) frag.appendChild(document.createTextNode("…"));
    sp.forEach(function (s) {
      if (s[1] <= start || s[0] >= end) return;
      var a = Math.max(s[0], start), b = Math.min(s[1], end);
      frag.appendChild(document.createTextNode(text.slice(pos, a)));
      var mk = document.createElement("mark");
      mk.textContent = text.slice(a, b);
      frag.appendChild(mk);
      pos = b;
    });
    frag.appendChild(document.createTextNode(text.slice(pos, end)));
    if (end < text.length) frag.appendChild(document.createTextNode("…"));
    return frag;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  var FILTERS = [["region", "地区"], ["year", "年份"], ["type", "文种"], ["theme", "主题"], ["status", "状态"], ["validity", "时效性"]];

  // one facet's <select>s (年份: a from/to pair), values by count (years newest first), into fbox
  function addSelects(fbox, selects, f, counts, onChange) {
    var values = Object.keys(counts);
    if (!values.length) return;
    values.sort(f[0] === "year" ? function (a, b) { return b.localeCompare(a); }
                                : function (a, b) { return counts[b] - counts[a] || a.localeCompare(b, "zh"); });
    (f[0] === "year" ? [["year", "年份从"], ["year_to", "至"]] : [[f[0], f[1]]]).forEach(function (nm) {
      var s = el("select", "ipa-search__filter");
      s.name = nm[0];
      s.setAttribute("aria-label", nm[1]);
      s.appendChild(new Option(nm[1] + "：全部", ""));
      values.forEach(function (v) { s.appendChild(new Option(v + "（" + counts[v] + "）", v)); });
      s.addEventListener("change", onChange);
      selects[nm[0]] = s;
      fbox.appendChild(s);
    });
  }

  // the CLI's --theme: the clause has the theme, or its document has it
  function themed(docThemes, extra, id, theme) {
    return docThemes.indexOf(theme) >= 0 || extra.indexOf(id + "=" + theme) >= 0;
  }

  // the results of q are on screen: what waits for them (citation.js's
  // table for a query that only may be a citation) may load now
  function announce(input, q) {
    input.dispatchEvent(new CustomEvent("iparchive:results", { detail: { q: q } }));
  }

  function debounce(f, ms) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(f, ms); };
  }

  if (PAGEFIND) pagefindMode(); else materialMode();

  // ------------------------------------------------------------ Material
  // the search state as address parameters (?q=…&region=…&year=2019..2021&page=2), the
  // other parameters of the address kept; both boxes write through it
  function stateParams(q, selects, pageNo) {
    var p = new URLSearchParams(location.search);
    ["q", "region", "year", "type", "theme", "status", "page"].forEach(function (k) { p.delete(k); });
    if (q) {
      p.set("q", q);
      ["region", "type", "theme", "status"].forEach(function (k) {
        if (selects[k] && selects[k].value) p.set(k, selects[k].value);
      });
      var lo = selects.year && selects.year.value, hi = selects.year_to && selects.year_to.value;
      if (lo || hi) p.set("year", lo === hi ? lo : (lo || "") + ".." + (hi || ""));
      if (pageNo > 1) p.set("page", String(pageNo));
    }
    var str = p.toString();
    return location.pathname + (str ? "?" + str : "") + location.hash;
  }

  function materialMode() {
    var input = document.querySelector("input.md-search__input");
    var output = document.querySelector(".md-search-result");
    if (!input || !output) return;
    // our counter and list take the place of Material's, which leave the
    // page once Material holds them (it keeps rendering into them, unseen);
    // ours have their own classes so Material never finds them
    var theirs = Array.prototype.slice.call(output.querySelectorAll(".md-search-result__meta, .md-search-result__list"));
    theirs.forEach(function (e) { e.style.display = "none"; });
    function detach() { theirs.forEach(function (e) { if (e.isConnected) e.remove(); }); }
    var css = document.createElement("style");
    css.textContent = ".ipa-meta{color:var(--md-default-fg-color);background-color:var(--md-default-fg-color--lightest);" +
      "font-size:.64rem;line-height:1.8rem;padding:0 .8rem}.ipa-results{list-style:none;margin:0;padding:0}" +
      ".ipa-facets-box{padding:.3rem .8rem}.ipa-facets-box select{margin:0 .3rem .2rem 0;font-size:.64rem}" +
      ".ipa-hit__head{font-size:.8rem;margin:.4rem 0}.ipa-more{margin:.4rem .8rem}" +
      ".md-search-result .ipa-hit__text{color:var(--md-default-fg-color)}";  // ≥ 4.5:1 (Material's light grey is 4.4:1)
    document.head.appendChild(css);
    var meta = el("div", "ipa-meta", "输入检索词");
    var list = el("ol", "ipa-results");
    var more = el("button", "md-button ipa-more", "显示更多");
    more.type = "button";
    more.hidden = true;
    output.appendChild(meta);
    output.appendChild(list);
    output.appendChild(more);

    var clauses = null, loading = null, hits = [], shown = 0, seq = 0, facets = {}, selects = {};
    var fbox = el("div", "ipa-search__filters ipa-facets-box");
    meta.before(fbox);

    // facets: 地区 (with sub-regions: a document lists its whole chain),
    // 年份 range, 文种, 主题, 状态 -- the CLI's --region/--year/--type/--theme/--status
    function buildFacets() {
      fbox.textContent = "";
      FILTERS.forEach(function (f) {
        var counts = {};
        Object.keys(facets).forEach(function (p) {
          (facets[p][f[0]] || []).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
        });
        addSelects(fbox, selects, f, counts, run);
      });
      fbox.dataset.ready = "1";
    }

    function passes(c) {
      for (var k of ["region", "type", "status"]) {
        var s = selects[k];
        if (s && s.value && (c.f[k] || []).indexOf(s.value) < 0) return false;
      }
      var th = selects.theme && selects.theme.value;
      if (th && !themed(c.f.dtheme || [], c.f.ctheme || [], c.id, th)) return false;
      var lo = selects.year && selects.year.value, hi = selects.year_to && selects.year_to.value;
      if (lo || hi) {
        var y = (c.f.year || [])[0];
        if (!y || (lo && y < lo) || (hi && y > hi)) return false;
      }
      return true;
    }

    function load() {
      if (!loading) {
        loading = (location.protocol === "file:" ? new Promise(function (ok, fail) {
          if (window.__index) return ok(window.__index);
          var s = document.createElement("script");
          s.src = new URL("search/search_index.js", base).href;
          s.onload = function () { ok(window.__index); };
          s.onerror = fail;
          document.head.appendChild(s);
        }) : fetch(new URL("search/search_index.json", base)).then(function (r) { return r.json(); }))
          .then(function (idx) { clauses = fromMaterial(idx); return clauses; });
      }
      return loading;
    }

    function plain(html) {
      var t = String(html || "").replace(/\u200b/g, "").replace(/<\/(p|li|h\d|td|tr)>/g, "\n").replace(/<[^>]*>/g, "");
      return t.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#0?39;/g, "'")
        .replace(/&amp;/g, "&").replace(/\n+$/, "");
    }

    // Material's index: one entry per heading; clause headings carry the
    // clause id (notices/<id>.html#s2-3), the page entry the document title
    function fromMaterial(idx) {
      var titles = {}, out = [];
      facets = {};
      (idx.docs || []).forEach(function (d) {
        var loc = d.location || "";
        if (!/^notices\/[^/#]+\.html/.test(loc) || /^notices\/index\.html/.test(loc)) return;
        var page = loc.split("#")[0], id = loc.split("#")[1];
        if (!id) { titles[page] = plain(d.title); return; }
        if (id === "iparchive-title") {  // the hidden filter values (search_pages.facets_html)
          var f = {}, m, rx = /(region|year|type|status|validity|theme|dtheme|ctheme):(\S+)/g, t = plain(d.text);
          while ((m = rx.exec(t))) (f[m[1]] = f[m[1]] || []).push(m[2].replace(/_/g, " "));
          facets[page] = f;
          return;
        }
        if (/^sec-/.test(id)) return;
        var text = plain(d.text);
        if (!text) return;
        out.push({ page: page, id: id, label: plain(d.title), kt: keyed(text), order: out.length });
      });
      out.forEach(function (c) { c.title = titles[c.page] || c.page; c.f = facets[c.page] || {}; });
      buildFacets();
      return out;
    }

    // the hits of the next PAGE documents, every clause of each (a document's
    // hits are together in the order): a query held by at most PAGE documents
    // is whole on the first screen, no click (issue 26; before, PAGE clauses
    // a screen, and 27 of 103 seed queries held by <= 20 documents needed
    // 显示更多); 显示更多 shows the next PAGE documents
    function render() {
      var upto = shown, docs = new Set();
      for (; upto < hits.length; upto++) {
        var pg = hits[upto].c.page;
        if (!docs.has(pg) && docs.size === PAGE) break;
        docs.add(pg);
      }
      for (; shown < upto; shown++) {
        var h = hits[shown], c = h.c;
        var li = el("li", "md-search-result__item");
        var a = el("a", "md-search-result__link");
        a.href = new URL(c.page + "#" + c.id, base).href;
        a.setAttribute("aria-label", c.title + " " + c.label);
        var art = el("article", "md-search-result__article md-typeset");
        var head = el("h2", "ipa-hit__head");
        head.appendChild(el("span", "ipa-hit__label", c.label));
        head.appendChild(el("span", "ipa-hit__title", " · " + c.title));
        art.appendChild(head);
        var p = el("p", "ipa-hit__text");
        p.appendChild(snippet(c.kt.text, h.sp));
        art.appendChild(p);
        a.appendChild(art);
        li.appendChild(a);
        list.appendChild(li);
      }
      more.hidden = shown >= hits.length;
      var left = new Set(hits.slice(shown).map(function (h) { return h.c.page; })).size;
      more.textContent = "显示更多（还有 " + left + " 个文件的 " + (hits.length - shown) + " 条）";
    }

    // the query and filters in the address (?q=…&region=…&year=…), as the
    // Pagefind box; replaced, not added (Material's dialog keeps no history)
    function writeUrl() {
      try {
        history.replaceState(history.state, "", stateParams(input.value.trim(), selects, 0));
      } catch (e) { /* file:// may refuse: the search still runs */ }
    }

    function restore() {
      var p = new URLSearchParams(location.search), q = p.get("q");
      if (!q) return;
      input.value = q;
      var toggle = document.getElementById("__search");
      if (toggle && !toggle.checked) { toggle.checked = true; toggle.dispatchEvent(new Event("change")); }
      load().then(function () {
        ["region", "type", "theme", "status"].forEach(function (k) { if (selects[k] && p.get(k)) selects[k].value = p.get(k); });
        var y = (p.get("year") || "").split("..");
        if (selects.year && y[0]) selects.year.value = y[0];
        if (selects.year_to && (y.length > 1 ? y[1] : y[0])) selects.year_to.value = y.length > 1 ? y[1] : y[0];
        run();
      }).catch(function () {});
    }

    function run() {
      var q = input.value.trim(), mine = ++seq;
      writeUrl();
      detach();
      list.textContent = "";
      more.hidden = true;
      list.dataset.state = "busy";  // "idle" once the results are shown (tests, bench)
      if (!q) { meta.textContent = "输入检索词"; list.dataset.state = "idle"; return; }
      var ts = terms(q);
      if (!ts.length) { meta.textContent = "检索式中没有可检索的字词"; list.dataset.state = "idle"; return; }
      meta.textContent = "正在检索…";
      load().then(function (cs) {
        if (mine !== seq) return;
        hits = [];
        cs.forEach(function (c) {
          if (!passes(c)) return;
          var sp = spans(c.kt, ts);
          if (sp) hits.push({ c: c, sp: sp, n: sp.length });
        });
        // relevance, as the CLI and the Pagefind box: documents whose title
        // holds the query first, then the documents with the most
        // occurrences in their matching clauses, then the newest; a
        // document's clauses in their order
        var byPage = {};
        hits.forEach(function (h) {
          var g = byPage[h.c.page];
          if (!g) {
            var tk = keyed(h.c.title).key;
            g = byPage[h.c.page] = { occ: 0, year: ((h.c.f.year || [])[0]) || "",
                                     title: ts.every(function (t) { return holds(tk, t); }) ? 1 : 0 };
          }
          g.occ += h.n;
        });
        hits.sort(function (x, y) {
          var a = byPage[x.c.page], b = byPage[y.c.page];
          return (b.title - a.title) || (b.occ - a.occ) || b.year.localeCompare(a.year) ||
            x.c.page.localeCompare(y.c.page) || (x.c.order - y.c.order);
        });
        var docs = new Set(hits.map(function (h) { return h.c.page; })).size;
        meta.textContent = hits.length ? "共 " + hits.length + " 条条款，" + docs + " 个文件" : "没有找到匹配的条款";
        shown = 0;
        render();
        list.dataset.state = "idle";
        announce(input, q);
      }).catch(function (e) { meta.textContent = "检索索引加载失败：" + e; list.dataset.state = "idle"; });
    }

    more.addEventListener("click", function (ev) { ev.preventDefault(); render(); });
    var later = debounce(run, 120);
    input.addEventListener("input", later);
    input.addEventListener("keyup", later);
    input.addEventListener("focus", function () { detach(); load().catch(function () {}); });
    restore();
  }

  // ------------------------------------------------------------ Pagefind
  function pagefindMode() {
    var inner = document.querySelector(".md-header__inner");
    if (!inner) return;
    var form = el("form", "ipa-search");
    form.setAttribute("role", "search");
    form.setAttribute("aria-label", "检索条款");
    form.innerHTML = '<input type="search" class="ipa-search__input" placeholder="检索条款" ' +
      'aria-label="检索条款" aria-controls="ipa-search-panel" autocomplete="off" spellcheck="false">' +
      '<div class="ipa-search__panel" id="ipa-search-panel" role="region" aria-label="检索结果" hidden>' +
      '<div class="ipa-search__filters" role="group" aria-label="筛选"></div>' +
      '<p class="ipa-search__status" role="status" aria-live="polite"></p>' +
      '<ol class="ipa-search__lookup" aria-label="直接命中"></ol>' +
      '<ol class="ipa-search__results" aria-label="检索结果" data-state="idle"></ol>' +
      '<button type="button" class="ipa-search__more" hidden>加载更多</button></div>';
    var source = inner.querySelector(".md-header__source");
    inner.insertBefore(form, source || null);
    var input = form.querySelector("input"), panel = form.querySelector(".ipa-search__panel");
    var status = form.querySelector(".ipa-search__status"), list = form.querySelector(".ipa-search__results");
    var lookupList = form.querySelector(".ipa-search__lookup");
    var more = form.querySelector(".ipa-search__more"), fbox = form.querySelector(".ipa-search__filters");
    var UND = "und";  // the index's language (mkbuild.PAGEFIND_LANGUAGE)
    var pagefind = null, loading = null, seq = 0, state = null, selects = {}, filtersBuilt = null;
    // pages changed since their shard was indexed: their new version is in
    // the changes shard, the old one's page id in drop (its filter values in
    // discount, taken off the counts)
    var patch = { drop: new Set(), discount: {}, pages: 0 };

    // the index is in shards (build_tools/write/mkbuild.py): pagefind/ is
    // shard 0 with the runtime; pagefind/iparchive-shards.json lists the
    // others (and the changes shard), merged before the first search (they
    // reuse shard 0's wasm; filters() sums their counts).  No manifest: one index.
    function load() {
      if (!loading) {
        var opts = { baseUrl: base.pathname, excerptLength: 0 };
        loading = import(new URL("pagefind/pagefind.js", base).href).then(function (pf) {
          pagefind = pf;
          return pf.options(opts).then(function () {
            // Pagefind takes the query's language from <html lang>: for zh it
            // splits a query word with the browser's word segmenter (侵权 ->
            // 侵 权, both as prefixes), though the index has no such words
            // (language "und", mkbuild.PAGEFIND_LANGUAGE).  The primary index
            // reads lang once, here; each shard is told "und" itself.
            var html = document.documentElement, lang = html.getAttribute("lang");
            html.setAttribute("lang", UND);
            try { pf.init(); } finally {
              if (lang === null) html.removeAttribute("lang"); else html.setAttribute("lang", lang);
            }
            return fetch(new URL("pagefind/iparchive-shards.json", base))
              .then(function (r) { return r.ok ? r.json() : {}; }, function () { return {}; });
          }).then(function (m) {
            patch.drop = new Set((m && m.drop) || []);
            patch.pages = (m && m.pages) || 0;  // the archive's pages (askOrder)
            patch.discount = (m && m.discount) || {};
            return Promise.all(((m && m.shards) || []).map(function (s) {
              return pf.mergeIndex(new URL("pagefind/" + s, base).href, Object.assign({ language: UND }, opts));
            }));
          }).then(function () { return pf; });
        });
      }
      return loading;
    }

    function buildFilters(pf) {
      if (!filtersBuilt) {
        filtersBuilt = pf.filters().then(function (all) {
          fbox.textContent = "";
          FILTERS.forEach(function (f) {
            var counts = {}, off = patch.discount[f[0]] || {}, have = (all || {})[f[0]] || {};
            Object.keys(have).forEach(function (v) {
              var c = have[v] - (off[v] || 0);
              if (c > 0) counts[v] = c;
            });
            addSelects(fbox, selects, f, counts, function () { run({ push: true }); });
          });
          fbox.dataset.ready = "1";
        });
      }
      return filtersBuilt;
    }

    function chosenFilters() {
      var out = {};
      FILTERS.forEach(function (f) {
        var s = selects[f[0]];
        if (!s || !s.value) return;
        out[f[0]] = s.value;
      });
      var lo = selects.year && selects.year.value, hi = selects.year_to && selects.year_to.value;
      if (lo || hi) {
        var years = Array.prototype.map.call(selects.year.options, function (o) { return o.value; })
          .filter(function (y) { return y && (!lo || y >= lo) && (!hi || y <= hi); });
        out.year = { any: years.length ? years : ["-"] };
      }
      return out;
    }

    // ---------------------------------------------------------- URL state
    // ?q=专利&region=云南省&year=2019..2021&type=意见&theme=…&status=…&page=2
    // (the CLI's flags); typing replaces the entry, a filter, 加载更多 or
    // Enter adds one, so Back walks the searches and restores each.
    function urlState() {
      var p = new URLSearchParams(location.search), f = {};
      ["region", "type", "theme", "status"].forEach(function (k) { if (p.get(k)) f[k] = p.get(k); });
      var y = (p.get("year") || "").split("..");
      if (y[0]) f.year = y[0];
      if (y.length > 1 ? y[1] : y[0]) f.year_to = y.length > 1 ? y[1] : y[0];
      return { q: p.get("q") || "", filters: f, page: Math.max(1, parseInt(p.get("page") || "1", 10) || 1) };
    }

    function writeUrl(push, pageNo) {
      var url = stateParams(input.value.trim(), selects, pageNo);
      if (url === location.pathname + location.search + location.hash) return;
      history[push ? "pushState" : "replaceState"](history.state, "", url);
    }

    function setSelects(f) {
      Object.keys(selects).forEach(function (k) {
        var v = f[k] || "", s = selects[k];
        if (v && !Array.prototype.some.call(s.options, function (o) { return o.value === v; })) s.appendChild(new Option(v + "（0）", v));
        s.value = v;
      });
    }

    function restore() {
      var u = urlState();
      input.value = u.q;
      if (!u.q) { panel.hidden = true; return; }
      panel.hidden = false;
      if (location.protocol === "file:") return run({ url: true });
      load().then(buildFilters).then(function () {
        setSelects(u.filters);
        run({ url: true, pages: u.page });
      }).catch(function (e) { status.textContent = "检索索引加载失败：" + e; });
    }

    // ---------------------------------------------------------- fragments
    // the text of each anchored section of a page fragment: the page's
    // words (search_pages.words: one per character position, a Han
    // character with the next one, spaces between) after the heading word
    // (h + label) up to the next anchor; of a two-character Han word only
    // the first character is the text's
    var ALNUM = /^[\p{L}\p{N}]+$/u, HANW = /\p{Script=Han}/u, HAN2 = /^\p{Script=Han}{2}\.?$/u;
    function joinWords(ws) {
      var out = "", prev = "";
      ws.forEach(function (w) {
        if (HAN2.test(w)) w = [...w][0];
        // two letter runs (or two digit runs) were two words of the text
        if (prev && ALNUM.test(prev) && ALNUM.test(w) && !HANW.test(prev) && !HANW.test(w) &&
            /\d/.test(prev.slice(-1)) === /\d/.test(w[0])) out += " ";
        out += w;
        prev = w;
      });
      return out;
    }

    function sections(d) {
      // the page's words as Pagefind counts them (indexed as "und",
      // mkbuild.PAGEFIND_LANGUAGE): one per space-separated token, the "."
      // closing a block kept on its token
      var words = String(d.content || "").split(/\s+/).filter(function (w) { return w; });
      var anchors = (d.anchors || []).filter(function (a) { return a.id; });
      return anchors.map(function (a, i) {
        var stop = i + 1 < anchors.length ? anchors[i + 1].location : words.length;
        var text = joinWords(words.slice(a.location + 1, stop));
        var label = String(a.text || "").replace(/\s+/g, "").replace(/^h/, "");
        // Pagefind ends each block with "." when it has no full stop of its own
        text = text.replace(/([\p{Script=Han}）)」”》])\.(?=.)/gu, "$1\n").replace(/\.$/, "");
        return { id: a.id, label: label, text: text };
      });
    }

    function docHits(d, ts) {
      var out = [], th = selects.theme && selects.theme.value;
      var dt = String((d.meta || {}).dtheme || "").split("、").filter(Boolean);
      var ct = String((d.meta || {}).ctheme || "").split(" ").filter(Boolean);
      sections(d).forEach(function (s) {
        if (!s.text) return;
        if (th && !themed(dt, ct, s.id, th)) return;
        var kt = keyed(s.text), sp = spans(kt, ts);
        if (sp) out.push({ s: s, kt: kt, sp: sp });
      });
      return out;
    }

    // a page's occurrences in its matching clauses: each term's matches
    // (they do not overlap one another), summed over the terms, as the
    // CLI counts them (search/query.rank_rows) and as the positions do
    // (sharedClauses)
    function occurrences(hs, ts) {
      return hs.reduce(function (a, h) {
        return a + ts.reduce(function (b, t) {
          t.re.lastIndex = 0;
          var m = h.kt.key.match(t.re);
          return b + (m ? m.length : 0);
        }, 0);
      }, 0);
    }

    function clauseItem(d, h) {
      var item = el("li", "ipa-hit__item");
      var title = (d.meta && d.meta.title) || d.url;
      var a = el("a", "ipa-hit__clause", h.s.label || "条款");
      a.href = d.url + "#" + h.s.id;
      a.setAttribute("aria-label", title + " " + (h.s.label || "条款"));
      item.appendChild(a);
      item.appendChild(document.createTextNode(" "));
      var span = el("span", "ipa-hit__text");
      span.appendChild(snippet(h.kt.text, h.sp));
      item.appendChild(span);
      return item;
    }

    function docItem(d, hs, p) {
      var li = el("li", "ipa-hit");
      var a = el("a", "ipa-hit__doc", (d.meta && d.meta.title) || d.url);
      a.href = d.url;
      li.appendChild(a);
      li.appendChild(el("span", "ipa-hit__count", "（" + hs.length + " 条）"));
      if (p.title) li.dataset.title = "1";
      var ul = el("ul");
      hs.slice(0, PER_DOC).forEach(function (h) { ul.appendChild(clauseItem(d, h)); });
      li.appendChild(ul);
      if (hs.length > PER_DOC) {
        var b = el("button", "ipa-hit__rest", "该文件另有 " + (hs.length - PER_DOC) + " 条");
        b.type = "button";
        b.addEventListener("click", function (ev) {
          ev.preventDefault();
          ev.stopPropagation();
          hs.slice(PER_DOC).forEach(function (h) { ul.appendChild(clauseItem(d, h)); });
          b.remove();
        });
        li.appendChild(b);
      }
      return li;
    }

    // ---------------------------------------------------------- the query
    // Han text is indexed one word per character position (a character
    // with the next one, search_pages.words).  A run of Han characters in
    // the query is found by its bigrams at consecutive positions: its full
    // cover, the words at offsets 0, 2, 4 … and the last one, holds every
    // character (三合一: 三合@0 合一@1; a single character: itself, as a
    // prefix), so the pages holding the chain are exactly the pages holding
    // the run, with how often -- before any fragment is fetched.
    // Each word asked costs one index chunk (~35-40 KB gzipped) in every
    // shard, so a long query is asked sparsely (issue 26): first the two
    // words at the ends of its longest run (知识产权保护中心建设: 知识@0 and
    // 建设@8, eight words apart); when at most PAGE pages hold them so, the
    // first screen fetches every one's fragment anyway and checks the query
    // in its clause texts, so the count is final once they are in; with
    // more, the next word of the cover (the one farthest from those asked;
    // with over 4 × PAGE, the rest at once), then the rest: the chain is
    // whole, exact before any fragment.  Letters
    // and digits are asked by their words, the most telling first (29490
    // before GB before 2023 before T); several terms share a clause, checked
    // in the fragments.
    var HANS = /^\p{Script=Han}+$/u, BIGRAM = /^\p{Script=Han}{2}$/u;
    // the title's words, then marks, fill the first TITLE_SLOT words of every
    // page; the clause text starts there (search_pages.TITLE_SLOT)
    var TITLE_SLOT = 128;
    var TOK = /\p{Script=Han}+|(?:(?!\p{Script=Han})\p{L})+|\p{N}+/gu;
    // words asked in each round (then the rest), and at most LOOSE words for a
    // query the index cannot prove (its candidates are checked in the fragments)
    var ROUNDS = [2, 1], LOOSE = 4;
    // candidates of several terms checked by their clause starts at most
    // (files of ~0.4 KB with the reply's headers: 400 cost about what one
    // word more costs, ~170 KB on the whole corpus)
    var CLAUSE_CAP = 400;

    // the full cover of a run of Han characters: [offset, word] at 0, 2, 4 … and the last
    function coverOf(cs) {
      var L = cs.length, cover = [];
      if (L === 1) return [[0, cs[0]]];
      for (var o = 0; o + 1 < L; o += 2) cover.push([o, cs[o] + cs[o + 1]]);
      if (L % 2) cover.push([L - 2, cs[L - 2] + cs[L - 1]]);
      return cover;
    }

    // a cover in the order asked: both ends, then each time the word
    // farthest from those already taken
    function spread(cover) {
      if (cover.length <= 2) return cover.slice();
      var out = [cover[0], cover[cover.length - 1]], rest = cover.slice(1, -1);
      while (rest.length) {
        var best = 0, far = -1;
        rest.forEach(function (c, i) {
          var d = Math.min.apply(null, out.map(function (o) { return Math.abs(o[0] - c[0]); }));
          if (d > far) { far = d; best = i; }
        });
        out.push(rest.splice(best, 1)[0]);
      }
      return out;
    }

    // how few pages a word of letters or digits is likely in: a number of
    // 3+ digits that is not a year, then letter runs by length
    function telling(w) {
      if (/^\p{N}+$/u.test(w)) return w.length >= 3 ? (/^(19|20)\d\d$/.test(w) ? 1.5 : 4) : 0.5;
      return w.length >= 3 ? 2.5 : w.length === 2 ? 1.2 : 0.3;
    }

    // a term -> its runs of Han characters ({n, cover}) and its other words;
    // exact: the term is one run (the index alone proves it)
    function plan(t) {
      var chains = [], loose = [];
      t.pieces.forEach(function (piece) {
        (piece.match(TOK) || []).forEach(function (tok) {
          if (HANS.test(tok)) chains.push({ n: [...tok].length, cover: coverOf([...tok]) });
          else if (loose.indexOf(tok) < 0) loose.push(tok);
        });
      });
      return { exact: t.pieces.length === 1 && HANS.test(t.pieces[0]), chains: chains, loose: loose };
    }

    // every word of the query in the order asked: numbers and long letter
    // runs (29490, GB…), the two ends of each run of 2+ Han characters (the
    // longest run first), years and two-letter runs, the rest of each run's
    // cover, then what Pagefind takes as a prefix of many words (a lone Han
    // character, a short number, one letter).  Several runs (知识产权
    // 侵权纠纷): a longer run is rarer, but of two runs of about the same
    // length (at most one character apart) which is rarer is not known
    // before asking, and a common one (知识产权, in most pages) narrows
    // nothing the rare one has not; so the first round asks one end of
    // each of the two, and ``held`` (word asked -> pages holding it) then
    // puts the run whose asked word is in fewest pages first: its other end
    // next (.learn: alone), the common run's words only while the
    // candidates are still many
    function askOrder(ts, held, pages) {
      var tiers = [[], [], [], [], []], runs = [];
      ts.forEach(function (t) {
        t.plan = t.plan || plan(t);
        t.plan.loose.forEach(function (w) {
          var k = telling(w);
          tiers[k >= 2.5 ? 0 : k >= 1.2 ? 2 : 4].push(w);
        });
        t.plan.chains.forEach(function (c) {
          if (c.n === 1) tiers[4].push(c.cover[0][1]);
          else runs.push({ n: c.n, ws: spread(c.cover).map(function (x) { return x[1]; }) });
        });
      });
      var by = function (a, b) { return telling(b) - telling(a) || b.length - a.length; };
      [0, 2, 4].forEach(function (k) { tiers[k].sort(by); });
      held = held || new Map();
      runs.forEach(function (r) {
        r.df = Math.min.apply(null, r.ws.map(function (w) { return held.has(w) ? held.get(w) : Infinity; }));
      });
      // but an asked end held by half the archive's pages or more (行政 of
      // 行政处罚: 3,089 of 3,489) narrows nothing as it stands, at clause
      // level least of all (a clause of almost any page holds it beside the
      // other term: 行政 知识产权 share a clause in 88 pages, 行政处罚 知识 in
      // 4): its run is completed first (the commonest first)
      var dense = function (r) { return pages > 0 && r.df < Infinity && r.df * 2 >= pages; };
      runs.sort(function (a, b) {
        return (dense(b) - dense(a)) || (dense(a) ? b.df - a.df : a.df - b.df) || (b.n - a.n);
      });
      var learn = runs.length > 1 && runs[0].df === Infinity && runs[1].n >= runs[0].n - 1;
      if (learn) tiers[1] = [runs[0].ws[0], runs[1].ws[0]];  // one end of each
      runs.forEach(function (r) {
        tiers[1] = tiers[1].concat(r.ws.slice(0, 2));
        tiers[3] = tiers[3].concat(r.ws.slice(2));
      });
      var out = [].concat.apply([], tiers), runDf = new Map();
      runs.forEach(function (r) { r.ws.forEach(function (w) { if (!runDf.has(w)) runDf.set(w, r.df); }); });
      return Object.assign(out.filter(function (w, i) { return out.indexOf(w) === i; }), { learn: learn, runDf: runDf });
    }

    // occurrences of a run of n characters in one page, from the cover
    // words asked so far: positions p with each word at p + its offset;
    // those in the title slot (before TITLE_SLOT) are the title's, the
    // others the clauses' (at: every start, ascending; body: how many do not
    // overlap, taken from the first, as the clause check's regular
    // expression and the CLI's str.count take them: 哈哈 in 哈哈哈 once)
    function chain(locs, cover, n) {
      var out = { title: 0, body: 0, at: [] }, sets = cover.map(function (c) { return locs[c[1]]; });
      sets[0].forEach(function (q) {
        var p = q - cover[0][0];
        if (!cover.every(function (c, k) { return sets[k].has(p + c[0]); })) return;
        if (p + n - 1 < TITLE_SLOT) out.title++;
        else if (p >= TITLE_SLOT) out.at.push(p);
      });
      out.at.sort(function (x, y) { return x - y; });
      out.body = apartCount(out.at, n);
      return out;
    }

    // how many of the ascending starts ps of an n-character run do not
    // overlap, taken from the first (the most there can be: a superset of
    // starts never gives fewer)
    function apartCount(ps, n) {
      var k = 0, free = -Infinity;
      ps.forEach(function (q) { if (q >= free) { k++; free = q + n; } });
      return k;
    }

    // ---------------------------------------------------------- clauses
    // Where each clause starts on a page: the word position of its heading,
    // from Pagefind's own fragment (search_pages.clause_starts, one small
    // file a page, pagefind/clauses/<page id>.txt, ~2 bytes a clause), so
    // several terms are known to share a clause from their words'
    // locations alone, before any fragment (行政处罚 知识产权 on the whole
    // corpus: 59 pages hold both, few in one clause).  The position rule is
    // the clause check's (sections): a clause's text is the words after its
    // heading up to the next heading.
    var START_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
    var startsOf = new Map();  // page id -> Promise of its clause starts (null: no file)
    function clauseStarts(id) {
      if (!startsOf.has(id)) {
        startsOf.set(id, fetch(new URL("pagefind/clauses/" + id + ".txt", base)).then(function (r) {
          return r.ok ? r.text() : null;
        }).then(function (t) {
          if (t === null) return null;
          var out = [], v = 0, at = 0;
          for (var ch of t.trim()) {
            var d = START_DIGITS.indexOf(ch);
            if (d < 0) return null;  // not such a file (a server's error page)
            v = v * 32 + (d & 31);
            if (d >= 32) { at += v; out.push(at); v = 0; }
          }
          return out;
        }).catch(function () { return null; }));
      }
      return startsOf.get(id);
    }

    // every page's longest clause (clauses/spans.txt: a page id, then a
    // digit b, a line: the clause has at most 2^(b/2) words), fetched once
    // for a query of several terms: two terms in one clause are fewer words
    // apart, so a candidate whose terms come no closer (p.near) is dropped
    // without its file (行政处罚 知识 on the whole corpus: 373 candidates,
    // 20 close enough, 4 hits; ~15 KB for 3,490 pages)
    var spansOf = null;
    function spanTable() {
      if (!spansOf) {
        spansOf = fetch(new URL("pagefind/clauses/spans.txt", base)).then(function (r) {
          return r.ok ? r.text() : null;
        }).then(function (t) {
          if (!t) return null;
          var m = new Map();
          t.split("\n").forEach(function (line) {
            var d = START_DIGITS.indexOf(line.slice(-1));
            if (line.length > 1 && d >= 0) m.set(line.slice(0, -1), Math.pow(2, d / 2));
          });
          return m;
        }).catch(function () { return null; });
      }
      return spansOf;
    }

    function bySpans(pages) {
      return spanTable().then(function (m) {
        if (!m) return pages;
        var kept = pages.filter(function (p) { return !m.has(p.id) || p.near < m.get(p.id); });
        kept.proved = false;
        return kept;
      });
    }

    // the clause of word position q: the index of the last start before it
    // (-1: before the first clause, the title slot; q on a start: the heading)
    function clauseAt(starts, q) {
      var lo = 0, hi = starts.length;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (starts[mid] < q) lo = mid + 1; else hi = mid; }
      return lo < starts.length && starts[lo] === q ? -1 : lo - 1;
    }

    // a candidate page by its clause starts: the clauses where every term
    // has an occurrence (p.at: each term's starts, null where not known);
    // -> {clauses, occ} (occ: each term's non-overlapping occurrences in
    // those clauses, the CLI's count), or null when no clause holds them all
    function sharedClauses(p, starts) {
      var by = new Map(), known = 0;
      p.at.forEach(function (ps, k) {
        if (!ps) return;
        known++;
        ps.forEach(function (q) {
          var c = clauseAt(starts, q);
          if (c < 0) return;
          var e = by.get(c);
          if (!e) by.set(c, e = p.at.map(function () { return []; }));
          e[k].push(q);
        });
      });
      var clauses = 0, occ = 0;
      by.forEach(function (e) {
        if (!e.every(function (ps, k) { return !p.at[k] || ps.length; })) return;
        clauses++;
        e.forEach(function (ps, k) { occ += apartCount(ps, p.len[k]); });
      });
      if (!known) return { clauses: 0, occ: p.occ, unknown: true };  // no term placed yet: nothing to tell
      return clauses ? { clauses: clauses, occ: occ } : null;
    }

    // the candidates of several terms, each by its page's clause starts:
    // those where no clause holds every term go; the others get the
    // occurrences of their shared clauses (exact where every term's cover
    // was asked whole: p.whole).  A page whose file is missing stays, as
    // before, checked in its fragment.  -> the pages kept; .proved: every
    // page kept was proved a hit (the count is final before any fragment)
    function byClauses(pages) {
      return Promise.all(pages.map(function (p) { return clauseStarts(p.id); })).then(function (all) {
        var kept = [], proved = true;
        pages.forEach(function (p, i) {
          var got = all[i] && sharedClauses(p, all[i]);
          if (!all[i] || (got && got.unknown)) { proved = false; kept.push(p); return; }
          if (!got) return;
          if (!p.whole) proved = false;
          else p.nclauses = got.clauses;
          p.occ = got.occ;  // exact, or a bound (an upper one: a superset of starts)
          p.near = 0;
          kept.push(p);
        });
        return Object.assign(kept, { proved: proved });
      });
    }

    // the least distance between a position of a and one of b (sorted)
    function apart(a, b) {
      var i = 0, j = 0, best = Infinity;
      while (i < a.length && j < b.length) {
        best = Math.min(best, Math.abs(a[i] - b[j]));
        if (a[i] < b[j]) i++; else j++;
      }
      return best;
    }

    // the candidate pages from the words asked so far (found: word -> page
    // id -> {r, rank, locs}): every word held, each run's chain of asked
    // words in a clause; occ: the occurrences (exact once the cover is
    // whole, an upper bound before), title: the title holds every term
    function candidates(ts, asked, found, force) {
      var out = [];
      found.get(asked[0]).forEach(function (e, id) {
        var locs = {};
        for (var w of asked) {
          var hit = found.get(w).get(id);
          if (!hit) return;
          locs[w] = hit.locs;
        }
        var occ = 0, title = true, where = [], ats = [], lens = [], whole = true;
        for (var t of ts) {
          var least = Infinity, inTitle = !t.plan.loose.length, at = null, len = 1;
          if (!t.plan.exact) whole = false;
          for (var c of t.plan.chains) {
            var cov = c.cover.filter(function (x) { return locs[x[1]]; });
            if (cov.length < c.cover.length) whole = false;
            if (!cov.length) { inTitle = false; continue; }
            var n = chain(locs, cov, c.n);
            if (!n.body) return;
            least = Math.min(least, n.body);
            if (!n.title) inTitle = false;
            if (!at || n.at.length < at.length) { at = n.at; len = c.n; }
          }
          t.plan.loose.forEach(function (w) {
            var ps = locs[w] && Array.from(locs[w]).filter(function (q) { return q >= TITLE_SLOT; });
            if (ps && (!at || ps.length < at.length)) { at = ps.sort(function (x, y) { return x - y; }); len = 1; }
          });
          occ += least === Infinity ? 1 : least;
          if (!inTitle) title = false;
          if (at) where.push(at);
          ats.push(at);  // where the term may be: its starts (exact when it is one run, asked whole)
          lens.push(len);
        }
        // several terms: how close their occurrences come (words); a clause
        // holds them all only where they are close, so the first screen
        // checks the closest candidates first (its first result comes sooner)
        var near = 0;
        for (var k = 1; k < where.length; k++) near = Math.max(near, apart(where[0], where[k]));
        out.push({ id: id, r: e.r, rank: e.rank, occ: occ, title: title, near: near,
                   at: ats, len: lens, whole: whole,
                   trank: force.has(id) ? force.get(id) : Infinity });
      });
      return out;
    }

    function byRelevance(a, b) {
      return (b.title - a.title) || (a.title ? a.trank - b.trank : (b.occ - a.occ) || (a.rank - b.rank));
    }

    // Pagefind, one word at a time (its locations are not told apart by
    // word), newest first (the date sort key), and the first word again by
    // legal force then newest (the force sort key), in rounds (ROUNDS words,
    // then the rest) until at most PAGE pages are candidates or the cover is
    // whole (or LOOSE words asked for a query the index cannot prove); -> the candidate pages in relevance order: title holders (by
    // force, then newest), then the others by occurrences, then newest -- as
    // `iparchive search` (search/query.rank_rows); .exact: the index proved
    // every one (one run, its whole cover asked)
    function findPages(pf, ts, filters, between) {
      var order = askOrder(ts), exact = ts.length === 1 && ts[0].plan.exact, df = new Map(), learn = order.learn;
      // several terms, each one run of Han characters: their clause starts
      // prove which pages share a clause once every cover is whole
      var several = ts.length > 1, proven = several && ts.every(function (t) { return t.plan.exact; });
      var room = exact || proven ? order.length : Math.min(order.length, LOOSE);
      var opts = { sort: { date: "desc" } };
      if (Object.keys(filters).length) opts.filters = filters;
      var asked = [], found = new Map(), force = new Map(), round = 0, forced = false;
      if (!order.length) return Promise.resolve(Object.assign([], { exact: false, asked: 0 }));
      function ask(ws) {
        var jobs = ws.map(function (w) {
          // Pagefind backtracks a word no page of a shard holds to a shorter
          // prefix (Pagefind issue #780: 查官 -> every 查… word of that shard),
          // so a bigram is asked again as "查官" (an exact search: the same
          // index chunk, no backtracking, but one location a page): its pages
          // are the ones that hold it, and their locations are the bigram's
          return Promise.all([pf.search(w, opts), BIGRAM.test(w) ? pf.search('"' + w + '"', opts) : null])
            .then(function (two) {
              var m = new Map(), held = two[1] && new Set((two[1].results || []).map(function (r) { return r.id; }));
              (two[0].results || []).forEach(function (r, rank) {
                if (patch.drop.has(r.id) || (held && !held.has(r.id))) return;
                m.set(r.id, { r: r, rank: rank, locs: new Set(r.words || []) });
              });
              found.set(w, m);
              df.set(w, m.size);
            });
        });
        asked = asked.concat(ws);
        list.dataset.pagefindQuery = asked.join(" ");
        return Promise.all(jobs);
      }
      var many = 0;  // candidates after the last round
      function step() {
        // one word more only while it may bring the candidates to PAGE; far
        // more (a long phrase held by hundreds): the rest of the cover at once
        // (several runs: after the first round, the rarer run's other end
        // alone; a common phrase: one word, then the first result may show
        // (between), then the rest)
        var size = round === 1 && (learn || exact) ? 1 : round < ROUNDS.length && many <= 4 * PAGE ? ROUNDS[round] : Infinity;
        round += 1;
        var rest = order.filter(function (w) { return asked.indexOf(w) < 0; });
        return ask(rest.slice(0, Math.min(room - asked.length, size))).then(function () {
          order = askOrder(ts, df, patch.pages);
          var pages = candidates(ts, asked, found, force);
          // the order of title holders (legal force): the first word again,
          // sorted by the force key (its index chunk is loaded already), only
          // once some candidate may hold the query in its title -- for a
          // common word a sorted search costs 0.3-0.5 s in Pagefind's worker
          // (依法, 3,187 pages), and 依法追究刑事责任 has no title holder
          if (forced || !pages.some(function (p) { return p.title; })) return pages;
          forced = true;
          return pf.search(asked[0], Object.assign({}, opts, { sort: { force: "asc" } })).then(function (res) {
            (res.results || []).forEach(function (r, rank) { force.set(r.id, rank); });
            pages.forEach(function (p) { p.trank = force.has(p.id) ? force.get(p.id) : Infinity; });
            return pages;
          });
        }).then(function (pages) {
          // several terms: each candidate by its clause starts (byClauses),
          // at most CLAUSE_CAP files (~0.4 KB each), once every cover is
          // whole (the count is then proved), or when no word more will be
          // asked, or when the candidates are few enough that their
          // fragments would be checked (the files cost far less)
          // (first every page's longest clause, when their files would cost
          // more than its table: over 4 × PAGE candidates)
          var whole = order.every(function (w) { return asked.indexOf(w) >= 0; });
          if (!several || !pages.length) return pages;
          return (pages.length > 4 * PAGE ? bySpans(pages) : Promise.resolve(pages)).then(function (pages) {
            if (!pages.length || pages.length > CLAUSE_CAP ||
                (!whole && asked.length < room && pages.length > 4 * PAGE)) return pages;
            return byClauses(pages).then(function (kept) {
              kept.proved = kept.proved && proven && whole;
              return kept;
            });
          });
        }).then(function (pages) {
          pages.sort(ts.length > 1 && !pages.proved ? function (a, b) {
            return (a.near - b.near) || byRelevance(a, b);  // checked closest first, shown by relevance (screen)
          } : byRelevance);
          pages.exact = (exact && asked.length === order.length) || !!pages.proved;
          pages.asked = asked.length;
          // (a word more costs ~170 KB on the whole corpus; checking 20 more
          // candidates in their fragments, as much or more: 专利 行政裁决);
          // but a run whose word asked is in ten times as many pages as
          // there are candidates (知识 of 知识产权 侵权纠纷: 1,235 pages)
          // narrows them little: when every word left is of such a run, the
          // first screen checks up to 2 × PAGE candidates (screen) instead
          var rest = order.filter(function (w) { return asked.indexOf(w) < 0; });
          var common = !exact && pages.length <= 2 * PAGE && rest.every(function (w) {
            return order.runDf.has(w) && order.runDf.get(w) < Infinity && order.runDf.get(w) >= 10 * pages.length;
          });
          if (pages.exact || pages.length <= PAGE || common || asked.length >= room) return pages;
          many = pages.length;
          // before the next round (the rest of a common phrase's cover: its
          // chunks in every shard), the first result may show (firstEarly)
          return Promise.resolve(between && between(pages, exact, asked.length)).then(step);
        });
      }
      return step();
    }

    // a hook for lookups answered before the search (a citation such as
    // 专利法第七十一条, a 文号): functions in window.iparchiveSearchLookups,
    // each (query) -> [{href, title, text}] or a Promise of it, shown above
    // the hits
    function lookups(q) {
      var fs = window.iparchiveSearchLookups || [];
      return Promise.all(fs.map(function (f) {
        try { return Promise.resolve(f(q)).catch(function () { return []; }); } catch (e) { return []; }
      })).then(function (rs) { return [].concat.apply([], rs.map(function (r) { return r || []; })); });
    }

    function showLookups(items) {
      lookupList.textContent = "";
      items.forEach(function (it) {
        var li = el("li", "ipa-hit ipa-hit--lookup"), a = el("a", "ipa-hit__doc", it.title || it.href);
        a.href = it.href;
        li.appendChild(a);
        if (it.text) li.appendChild(el("span", "ipa-hit__text", " " + it.text));
        lookupList.appendChild(li);
      });
    }

    function num(n) { return n.toLocaleString("zh-CN"); }

    function showStatus() {
      var s = state, txt, left = s.pages.length - s.next;
      var unseen = s.pages.slice(s.next).reduce(function (a, p) { return a + p.occ; }, 0);
      if (!s.pages.length) txt = "没有找到匹配的条款";
      else if (s.final || !left) {
        var docs = s.final ? s.pages.length - s.empty : s.docs;
        txt = "共 " + num(docs) + " 个文件";
        var counted = s.pages.slice(s.next).every(function (p) { return p.nclauses !== undefined; });
        if (!docs) txt = "没有找到匹配的条款";
        else if (!left) txt += "，" + num(s.clauses) + " 条条款";
        else if (s.final && counted) {  // several terms proved by their clause starts: counted clause by clause
          txt += "，" + num(s.pages.slice(s.next).reduce(function (a, p) { return a + p.nclauses; }, s.clauses)) + " 条条款";
        }
        else txt += "，约 " + num(s.clauses + unseen) + " 条条款（" + (s.docs ? "已核对 " + num(s.docs) +
          " 个文件的 " + num(s.clauses) + " 条；其余" : "") + "按出现次数估计，加载时逐条核对）";
      } else {
        txt = "约 " + num(s.docs + left) + " 个文件（已核对 " + num(s.docs) + " 个；其余 " + num(left) +
          " 个候选文件" + (s.sparse ? "，" : "含全部检索词，") + s.why + "，加载时核对）";
      }
      status.textContent = txt;  // the document count is known before any fragment arrives
      status.dataset.final = s.final || !left ? "1" : "0";
      status.dataset.docs = String(s.final ? s.pages.length - s.empty : s.docs + left);
      more.hidden = !left || list.dataset.state === "busy";
      more.textContent = "加载更多（还有 " + num(left) + (s.final ? " 个文件" : " 个候选文件") + "）";
    }

    // a page's fragment, fetched once per query (the early first result's
    // is used again by its screen)
    function fragment(p) {
      if (!state.data.has(p.id)) state.data.set(p.id, p.r.data());
      return state.data.get(p.id);
    }

    // a common phrase (more than PAGE pages after its first words): the
    // pages hold the rest of its cover at most where the words asked so far
    // chain, so each candidate's place (title, occurrences) from them is an
    // upper bound of its place once the cover is whole.  The first
    // candidate's fragment is fetched and checked (its true place); the
    // candidates whose bound is still ahead of it (RIVALS at most) are
    // fetched and checked too, once: when the best checked place is ahead of
    // every other candidate's bound, it is the first result whatever the
    // rest of the cover says, and it shows now (a top-k threshold test, as
    // Fagin's).  The rest of the cover (for 依法追究刑事责任, 1 word × 5
    // shards, ~170 KB; for 县级以上人民政府, 2 words) is fetched after the
    // first paint, and the count is exact once it is in.  Two words at their
    // distance may bound loosely (依法…责任 also chains 依法承担法律责任: 21
    // bounded, 8 true, and many rivals): then it is tried again after three.
    var RIVALS = 2;
    function firstEarly(mine, pages, exact, words) {
      var th = selects.theme && selects.theme.value;
      if (mine !== seq || !exact || th || !pages.length || state.early) return null;
      var checked = new Map(), tries = 0;
      function check(p) {
        return fragment(p).then(function (d) {
          var hs = docHits(d, state.ts), tk = keyed(String((d.meta || {}).title || "")).key;
          checked.set(p.id, !hs.length ? null : { p: p, d: d, hs: hs, v: {
            title: state.ts.every(function (t) { return holds(tk, t); }), trank: p.trank,
            occ: occurrences(hs, state.ts), rank: p.rank } });
        });
      }
      function next() {
        if (mine !== seq || state.early) return;
        var best = null;
        checked.forEach(function (c) { if (c && (!best || byRelevance(c.v, best.v) < 0)) best = c; });
        var rivals = pages.filter(function (p) { return !checked.has(p.id) && (!best || byRelevance(p, best.v) < 0); });
        if (best && !rivals.length) {
          var li = docItem(best.d, best.hs, best.v);
          state.early = { id: best.p.id, li: li };
          list.appendChild(li);
          status.textContent = "正在统计全部文件…";
          return;
        }
        if (tries >= 2 || (best && rivals.length > RIVALS) || (!best && tries)) return;  // the next word first
        tries += 1;
        return Promise.all((best ? rivals : [pages[0]]).map(check)).then(next);
      }
      return Promise.resolve(next()).catch(function () {});
    }

    // show the next PAGE documents holding a hit (each fragment fetched at
    // once, shown in rank order as it arrives); a candidate that turns out
    // to hold no clause is skipped and the next one taken
    function screen(mine) {
      list.dataset.state = "busy";
      var shownNow = 0, rounds = 0, placed = [];
      // the first screen of a query held by more than PAGE documents shows
      // FIRST of them: each is a page fragment of up to ~100 KB (a law's whole
      // text), and 20 were 0.85 MB for 商业秘密 on the whole corpus; with at
      // most PAGE documents the first screen shows every one (no click); up to
      // 2 × PAGE candidates the index could not prove (a theme, several
      // terms, letters): the first screen checks them all, so its count is
      // final and a query held by at most PAGE of them needs no click
      var n = state.pages.length;
      var size = state.shown || n <= PAGE ? PAGE : !state.final && n <= 2 * PAGE ? n : FIRST;
      function batch() {
        rounds += 1;
        // in waves of WAVE fragments (a law's fragment is 40-80 KB), the first
        // of LEAD: the first documents show before the rest of the screen is
        // fetched, and only their fragments before them
        var want = Math.min(size - shownNow, rounds === 1 ? LEAD : WAVE), take = state.pages.slice(state.next, state.next + want);
        state.next += take.length;
        return Promise.all(take.map(function (p) {
          var slot = list.appendChild(el("li", "ipa-hit ipa-hit--loading"));
          return fragment(p).then(function (d) {
            if (mine !== seq) return;
            var hs = docHits(d, state.ts);
            // a safety net: were Pagefind to split a query word itself (it did,
            // 侵权 -> 侵 权, until load() gave it the index's language), its
            // locations would not be the bigram's, which shows as occurrences
            // the page's clauses do not have; the count is then an upper bound
            // (and clause starts that are not the fragment's clauses: a
            // clause file of another build)
            if (state.final && (occurrences(hs, state.ts) !== p.occ ||
                                (p.nclauses !== undefined && hs.length !== p.nclauses))) {
              state.final = false;
              state.why = p.nclauses !== undefined ? "条款位置与页面不符" : "检索服务把检索词拆成了单字";
            }
            if (!hs.length) { slot.remove(); state.empty += 1; return; }
            if (!state.final) {  // an estimate until now: the page's own clauses and title say
              p.occ = occurrences(hs, state.ts);
              var tk = keyed(String((d.meta || {}).title || "")).key;
              p.title = state.ts.every(function (t) { return holds(tk, t); });
            }
            state.clauses += hs.length;
            state.docs += 1;
            shownNow += 1;
            var early = state.early && state.early.id === p.id && state.early.li;  // shown already: kept
            placed.push({ p: p, li: early || docItem(d, hs, p) });
            list.replaceChild(placed[placed.length - 1].li, slot);
          }, function () { slot.remove(); });
        })).then(function () {
          if (mine !== seq) return;
          // the next wave; candidates without a hit: a few more rounds at most
          if (shownNow < size && state.next < state.pages.length && rounds < AUTO + size / WAVE) return batch();
        });
      }
      return batch().then(function () {
        if (mine !== seq) return;
        var early = state.early && state.early.li;
        if (early && !placed.some(function (x) { return x.li === early; })) early.remove();  // not a hit after all
        state.early = null;  // placed: later screens (加载更多) leave it where it is
        // ranked by estimates (a sparse or loose query): the screen's documents
        // again in relevance order, by what their fragments proved
        if (!state.final) {
          placed.sort(function (a, b) { return byRelevance(a.p, b.p); });
          placed.forEach(function (x) { list.appendChild(x.li); });
        }
        state.shown += 1;
        list.dataset.state = "idle";
        showStatus();
      });
    }

    function run(how) {
      how = how || {};
      var q = input.value.trim(), mine = ++seq;
      panel.hidden = !q;
      if (!how.url) writeUrl(!!how.push, 1);
      lookupList.textContent = "";
      if (!q) { list.textContent = ""; list.dataset.state = "idle"; return; }
      if (location.protocol === "file:") {
        status.textContent = "本文库规模较大，检索须通过本机网页服务器：在文库目录运行 iparchive serve" +
          "（只有网站文件时，在网站目录运行 python3 -m http.server --bind 127.0.0.1 8000），再打开它显示的地址。";
        list.textContent = "";
        return;
      }
      var ts = terms(q);
      list.textContent = "";
      more.hidden = true;
      list.dataset.state = "busy";
      delete status.dataset.final;
      if (!ts.length) { status.textContent = "检索式中没有可检索的字词"; list.dataset.state = "idle"; return; }
      status.textContent = "正在检索…";
      lookups(q).then(function (items) { if (mine === seq) showLookups(items); });
      state = { ts: ts, data: new Map(), early: null };
      load().then(function (pf) {
        return findPages(pf, ts, chosenFilters(), function (pages, exact, words) { return firstEarly(mine, pages, exact, words); });
      }).then(function (pages) {
        if (mine !== seq) return;
        var th = selects.theme && selects.theme.value;
        var exact = ts.every(function (t) { return t.plan.exact; });
        state = { pages: pages, next: 0, ts: ts, clauses: 0, docs: 0, empty: 0, shown: 0,
                  data: state.data, early: state.early,
                  final: pages.exact && !th, sparse: exact && ts.length === 1 && !pages.exact,
                  why: !exact ? "检索词含字母、数字或标点" : ts.length > 1 ? "多个检索词须在同一条款中" :
                    !pages.exact ? "长检索词先按其中 " + pages.asked + " 个双字词初筛" : "主题按条款核对" };
        showStatus();
        var screens = Math.max(1, how.pages || 1);
        function go(k) {
          return screen(mine).then(function () {
            if (mine === seq && k < screens && state.next < state.pages.length) return go(k + 1);
          });
        }
        return go(1).then(function () {
          if (mine === seq) announce(input, q);
          // the filter values load after the first results, not before them
          return buildFilters(pagefind);
        });
      }).catch(function (e) {
        status.textContent = "检索索引加载失败：" + e;
        list.dataset.state = "idle";
      });
    }

    more.addEventListener("click", function (ev) {
      ev.preventDefault();
      ev.stopPropagation();
      if (!state || list.dataset.state === "busy") return;
      var mine = seq;
      screen(mine).then(function () { if (mine === seq) writeUrl(true, state.shown); });
    });

    // fetch the search runtime (pagefind.js, its wasm, the page list and
    // the filter values) once the page is idle, so the first query only
    // loads the index chunks and fragments it needs
    if (location.protocol !== "file:") {
      var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 200); };
      window.addEventListener("load", function () {
        idle(function () { load().catch(function () {}); });
      });
    }

    input.addEventListener("input", debounce(function () { run({}); }, 80));
    input.addEventListener("focus", function () {
      if (input.value.trim()) panel.hidden = false;
      if (location.protocol !== "file:") load().catch(function () {});
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); run({ push: true }); });
    window.addEventListener("popstate", restore);
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "/" && document.activeElement !== input && !/input|textarea|select/i.test(ev.target.tagName)) {
        ev.preventDefault();
        input.focus();
      } else if (ev.key === "Escape" && form.contains(document.activeElement)) {
        panel.hidden = true;
        input.focus();
      }
    });
    document.addEventListener("click", function (ev) {
      if (!form.contains(ev.target)) panel.hidden = true;
    });
    if (new URLSearchParams(location.search).get("q")) restore();
  }
})();
