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
 * search panel; only document pages are searched (help pages never rank).
 * Facets (the same five filters) come from each page's hidden filter values
 * (search_pages.facets_html), which Material's index keeps as text.
 *
 * Large archives (meta iparchive-search=pagefind, over http): Pagefind
 * indexes one Han character per word (build_tools/write/search_pages.py), the
 * query is sent spaced the same way, so every page holding the characters is
 * a candidate; candidate pages are checked in Pagefind's order, clause by
 * clause (the anchors of the page fragment), 10 at a time, each page shown
 * as soon as its fragment arrives; up to 3 batches run by themselves, then
 * 加载更多 reaches every other hit (and 该文件另有 the rest of a page's).
 * Filters (地区 including sub-regions, 年份 range, 文种, 主题 with the CLI's
 * clause-or-document meaning, 状态) are Pagefind filters, combinable, as the
 * CLI's flags.  The index comes in shards by document id (pagefind/ and
 * pagefind/s1/ …, listed in pagefind/iparchive-shards.json), merged with
 * Pagefind's mergeIndex before the first search.  Only the query's rarest
 * characters go to Pagefind (the manifest's "common" list ranks them): the
 * bytes fetched are those words' index chunks, from every shard.  After a small change, a
 * "changes" shard holds the changed pages and the manifest names the page
 * ids of their old versions, never shown (nor counted in the filters).
 */
(function () {
  "use strict";
  if (window.__ipaSearch) return;
  window.__ipaSearch = true;

  var PAGE = 20, PER_DOC = 3, BATCH = 10, AUTO = 3, SNIPPET = 110, BEFORE = 24;
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
      out.push({ raw: raw, key: k.join(""), re: new RegExp(k.map(esc).join("\\|?"), "g") });
    }
    return out;
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

  function debounce(f, ms) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(f, ms); };
  }

  if (PAGEFIND) pagefindMode(); else materialMode();

  // ------------------------------------------------------------ Material
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
    css.textContent = ".ipa-meta{color:var(--md-default-fg-color--light);background-color:var(--md-default-fg-color--lightest);" +
      "font-size:.64rem;line-height:1.8rem;padding:0 .8rem}.ipa-results{list-style:none;margin:0;padding:0}" +
      ".ipa-facets-box{padding:.3rem .8rem}.ipa-facets-box select{margin:0 .3rem .2rem 0;font-size:.64rem}" +
      ".ipa-hit__head{font-size:.8rem;margin:.4rem 0}.ipa-more{margin:.4rem .8rem}";
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

    function render() {
      var upto = Math.min(hits.length, shown + PAGE);
      for (; shown < upto; shown++) {
        var h = hits[shown], c = h.c;
        var li = el("li", "md-search-result__item");
        var a = el("a", "md-search-result__link");
        a.href = new URL(c.page + "#" + c.id, base).href;
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
      more.textContent = "显示更多（还有 " + (hits.length - shown) + " 条）";
    }

    function run() {
      var q = input.value.trim(), mine = ++seq;
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
        // documents whose title holds the query first, then clauses with most occurrences
        hits.sort(function (x, y) {
          var tx = ts.every(function (t) { return keyed(x.c.title).key.indexOf(t.key) >= 0; }) ? 1 : 0;
          var ty = ts.every(function (t) { return keyed(y.c.title).key.indexOf(t.key) >= 0; }) ? 1 : 0;
          return (ty - tx) || (y.n - x.n) || (x.c.order - y.c.order);
        });
        var docs = new Set(hits.map(function (h) { return h.c.page; })).size;
        meta.textContent = hits.length ? "共 " + hits.length + " 条条款，" + docs + " 个文件" : "没有找到匹配的条款";
        shown = 0;
        render();
        list.dataset.state = "idle";
      }).catch(function (e) { meta.textContent = "检索索引加载失败：" + e; list.dataset.state = "idle"; });
    }

    more.addEventListener("click", function (ev) { ev.preventDefault(); render(); });
    var later = debounce(run, 120);
    input.addEventListener("input", later);
    input.addEventListener("keyup", later);
    input.addEventListener("focus", function () { detach(); load().catch(function () {}); });
  }

  // ------------------------------------------------------------ Pagefind
  function pagefindMode() {
    var inner = document.querySelector(".md-header__inner");
    if (!inner) return;
    var form = el("form", "ipa-search");
    form.setAttribute("role", "search");
    form.innerHTML = '<input type="search" class="ipa-search__input" placeholder="检索条款" ' +
      'aria-label="检索条款" autocomplete="off" spellcheck="false">' +
      '<div class="ipa-search__panel" hidden><div class="ipa-search__filters"></div>' +
      '<p class="ipa-search__status"></p><ol class="ipa-search__results"></ol>' +
      '<button type="button" class="ipa-search__more" hidden>加载更多</button></div>';
    var source = inner.querySelector(".md-header__source");
    inner.insertBefore(form, source || null);
    var input = form.querySelector("input"), panel = form.querySelector(".ipa-search__panel");
    var status = form.querySelector(".ipa-search__status"), list = form.querySelector("ol");
    var more = form.querySelector(".ipa-search__more"), fbox = form.querySelector(".ipa-search__filters");
    var pagefind = null, loading = null, seq = 0, state = null, selects = {}, filtersBuilt = false;
    // pages changed since their shard was indexed: their new version is in
    // the changes shard, the old one's page id in drop (its filter values in
    // discount, taken off the counts)
    var patch = { drop: new Set(), discount: {} };
    // the archive's frequent Han characters, most frequent first (manifest "common")
    var common = "";

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
            pf.init();
            return fetch(new URL("pagefind/iparchive-shards.json", base))
              .then(function (r) { return r.ok ? r.json() : {}; }, function () { return {}; });
          }).then(function (m) {
            patch.drop = new Set((m && m.drop) || []);
            common = (m && m.common) || "";
            patch.discount = (m && m.discount) || {};
            return Promise.all(((m && m.shards) || []).map(function (s) {
              return pf.mergeIndex(new URL("pagefind/" + s, base).href, opts);
            }));
          }).then(function () { return pf; });
        });
      }
      return loading;
    }

    function buildFilters(pf) {
      return pf.filters().then(function (all) {
        fbox.textContent = "";
        FILTERS.forEach(function (f) {
          var counts = {}, off = patch.discount[f[0]] || {}, have = (all || {})[f[0]] || {};
          Object.keys(have).forEach(function (v) {
            var c = have[v] - (off[v] || 0);
            if (c > 0) counts[v] = c;
          });
          addSelects(fbox, selects, f, counts, run);
        });
        fbox.dataset.ready = "1";
      });
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

    // the text of each anchored section of a page fragment, minus its
    // heading: the page's words (one Han character or mark each, spaces
    // between them, search_pages.py) between two anchor locations
    var ALNUM = /^[\p{L}\p{N}]+$/u, HANW = /\p{Script=Han}/u;
    function joinWords(ws) {
      var out = "", prev = "";
      ws.forEach(function (w) {
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
        var text = joinWords(words.slice(a.location, stop));
        var label = String(a.text || "").replace(/\s+/g, "");
        if (label && text.replace(/\s+/g, "").indexOf(label) === 0) {
          // drop the heading (its characters, whatever spaces joinWords kept)
          var k = 0, j = 0;
          while (j < text.length && k < label.length) { if (text[j] === label[k]) k++; j++; }
          text = text.slice(j).replace(/^\./, "");
        }
        // Pagefind ends each block with "." when it has no full stop of its own
        text = text.replace(/([\p{Script=Han}）)」”》])\.(?=.)/gu, "$1 ").replace(/\.$/, "");
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

    function clauseItem(d, h) {
      var item = el("li", "ipa-hit__item");
      var a = el("a", "ipa-hit__clause", h.s.label || "条款");
      a.href = d.url + "#" + h.s.id;
      item.appendChild(a);
      item.appendChild(document.createTextNode(" "));
      var span = el("span", "ipa-hit__text");
      span.appendChild(snippet(h.kt.text, h.sp));
      item.appendChild(span);
      return item;
    }

    function docItem(d, hs) {
      var li = el("li", "ipa-hit");
      var a = el("a", "ipa-hit__doc", (d.meta && d.meta.title) || d.url);
      a.href = d.url;
      li.appendChild(a);
      li.appendChild(el("span", "ipa-hit__count", "（" + hs.length + " 条）"));
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

    function showStatus() {
      var left = state.results.length - state.next;
      var s = state.clauses ? "共 " + state.clauses + " 条条款，" + state.docs + " 个文件" : (left ? "" : "没有找到匹配的条款");
      if (left) s += (s ? "；" : "") + "还有 " + left + " 个候选文件未检查";
      status.textContent = s || "正在检索…";
      more.hidden = !left || list.dataset.state === "busy";
      more.textContent = "加载更多（还有 " + left + " 个候选文件）";
    }

    // check the next BATCH candidate pages; keep going until something shows
    // check the next BATCH candidate pages, each shown (in rank order, one
    // slot per page) as soon as its fragment arrives; keep going until
    // something shows
    function step(mine, round) {
      round = round || 1;
      list.dataset.state = "busy";  // "idle" once this batch is shown (tests, bench)
      var batch = state.results.slice(state.next, state.next + BATCH);
      state.next += batch.length;
      return Promise.all(batch.map(function (r) {
        var slot = list.appendChild(el("li", "ipa-hit ipa-hit--loading"));
        return r.data().then(function (d) {
          if (mine !== seq) return;
          var hs = docHits(d, state.ts);
          if (!hs.length) { slot.remove(); return; }
          state.clauses += hs.length;
          state.docs += 1;
          list.replaceChild(docItem(d, hs), slot);
          showStatus();
        }, function () { slot.remove(); });
      })).then(function () {
        if (mine !== seq) return;
        // on by itself until a few documents show (at most AUTO batches); then 加载更多
        if (state.docs < 3 && round < AUTO && state.next < state.results.length) return step(mine, round + 1);
        list.dataset.state = "idle";
        showStatus();
      });
    }

    // Pagefind holds one Han character per word: the terms spaced alike, and
    // of them only the RAREST words (at most RARE; unlisted = rarer than any
    // listed in common).  Every chunk of a word is fetched from every shard,
    // and a frequent character's chunks are large; pages holding the rarest
    // characters include every page holding the query, and the clauses are
    // checked for the whole query (spans), so no hit is lost.
    var RARE = 2;
    function pagefindWords(ts) {
      var words = ts.map(function (t) { return t.key.replace(/\|/g, " ").replace(/(\p{Script=Han})/gu, " $1 "); })
        .join(" ").trim().split(/\s+/).filter(function (w, i, all) { return w && all.indexOf(w) === i; });
      if (words.length <= RARE || !common) return words.join(" ");
      var rank = function (w) { var k = common.indexOf(w); return k < 0 ? common.length : k; };
      return words.map(function (w, i) { return [rank(w), i, w]; })
        .sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; })  // rarest first, then as typed
        .slice(0, RARE).sort(function (a, b) { return a[1] - b[1]; })
        .map(function (x) { return x[2]; }).join(" ");
    }

    function run() {
      var q = input.value.trim(), mine = ++seq;
      panel.hidden = !q;
      if (!q) return;
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
      if (!ts.length) { status.textContent = "检索式中没有可检索的字词"; list.dataset.state = "idle"; return; }
      status.textContent = "正在检索…";
      load().then(function (pf) {
        var f = chosenFilters(), words = pagefindWords(ts);
        list.dataset.pagefindQuery = words;
        return pf.search(words, Object.keys(f).length ? { filters: f } : {});
      }).then(function (res) {
        if (!res || mine !== seq) return;
        var results = (res.results || []).filter(function (r) { return !patch.drop.has(r.id); });
        state = { results: results, next: 0, ts: ts, clauses: 0, docs: 0 };
        return step(mine).then(function () {
          // the filter values load after the first results, not before them
          if (!filtersBuilt) { filtersBuilt = true; return buildFilters(pagefind); }
        });
      }).catch(function (e) {
        status.textContent = "检索索引加载失败：" + e;
        list.dataset.state = "idle";
      });
    }

    more.addEventListener("click", function (ev) {
      ev.preventDefault();
      ev.stopPropagation();
      if (state && list.dataset.state !== "busy") step(seq, AUTO);
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

    input.addEventListener("input", debounce(run, 80));
    input.addEventListener("focus", function () {
      if (input.value.trim()) panel.hidden = false;
      if (location.protocol !== "file:") load().catch(function () {});
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); run(); });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "/" && document.activeElement !== input && !/input|textarea|select/i.test(ev.target.tagName)) {
        ev.preventDefault();
        input.focus();
      } else if (ev.key === "Escape" && document.activeElement === input) {
        panel.hidden = true;
        input.blur();
      }
    });
    document.addEventListener("click", function (ev) {
      if (!form.contains(ev.target)) panel.hidden = true;
    });
  }
})();
