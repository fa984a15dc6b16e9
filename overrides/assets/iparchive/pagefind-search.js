/* 知识产权政策文库: header search for large archives (Pagefind).
 * Loads pagefind/pagefind.js on first use; the index comes in chunks, so a
 * query downloads only what it needs.  Results link to the clause anchor
 * (notices/<id>.html#s2-3).  Pagefind needs http: from file:// the box
 * explains how to start `iparchive serve`.
 */
(function () {
  "use strict";
  var MAX_DOCS = 8, MAX_CLAUSES = 3;
  var cfg = {};
  try { cfg = JSON.parse(document.getElementById("__config").textContent); } catch (e) { cfg = {}; }
  var base = new URL((cfg.base || ".") + "/", location.href);
  var inner = document.querySelector(".md-header__inner");
  if (!inner) return;

  var form = document.createElement("form");
  form.className = "ipa-search";
  form.setAttribute("role", "search");
  form.innerHTML = '<input type="search" class="ipa-search__input" placeholder="检索条款" ' +
    'aria-label="检索条款" autocomplete="off" spellcheck="false">' +
    '<div class="ipa-search__panel" hidden><p class="ipa-search__status"></p>' +
    '<ol class="ipa-search__results"></ol></div>';
  var source = inner.querySelector(".md-header__source");
  inner.insertBefore(form, source || null);
  var input = form.querySelector("input"), panel = form.querySelector(".ipa-search__panel");
  var status = form.querySelector(".ipa-search__status"), list = form.querySelector("ol");
  var pagefind = null, loading = null, seq = 0;

  function load() {
    if (!loading) {
      loading = import(new URL("pagefind/pagefind.js", base).href).then(function (pf) {
        pagefind = pf;
        return pf.options({ baseUrl: base.pathname, excerptLength: 40 }).then(function () {
          pf.init();
          return pf;
        });
      });
    }
    return loading;
  }

  function excerpt(html) {  // Pagefind escapes text; keep only its <mark>
    var span = document.createElement("span");
    span.className = "ipa-hit__text";
    span.innerHTML = String(html || "").replace(/<(?!\/?mark>)/g, "&lt;");
    return span;
  }

  function link(cls, href, text) {
    var a = document.createElement("a");
    a.className = cls;
    a.href = href;
    a.textContent = text;
    return a;
  }

  function plain(html) { return String(html || "").replace(/<[^>]*>/g, "").replace(/\s+/g, ""); }

  // Pagefind lists a page's matching sections in page order; put first the
  // clauses whose excerpt holds the whole query, then those with most matches
  function ranked(d, q) {
    var whole = q.replace(/\s+/g, "");
    return (d.sub_results || []).filter(function (s) {
      return s.url.indexOf("#") > 0 && s.url.indexOf("#iparchive-title") < 0;
    }).map(function (s, i) {
      return { s: s, i: i, full: plain(s.excerpt).indexOf(whole) >= 0 ? 1 : 0, n: (s.locations || []).length };
    }).sort(function (a, b) {
      return (b.full - a.full) || (b.n - a.n) || (a.i - b.i);
    }).map(function (x) { return x.s; });
  }

  function hit(d, q) {
    var li = document.createElement("li");
    li.className = "ipa-hit";
    li.appendChild(link("ipa-hit__doc", d.url, (d.meta && d.meta.title) || d.url));
    var subs = ranked(d, q).slice(0, MAX_CLAUSES);
    var ul = document.createElement("ul");
    subs.forEach(function (s) {
      var item = document.createElement("li");
      item.appendChild(link("ipa-hit__clause", s.url, s.title || "条款"));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(excerpt(s.excerpt));
      ul.appendChild(item);
    });
    if (!subs.length) ul.appendChild(document.createElement("li")).appendChild(excerpt(d.excerpt));
    li.appendChild(ul);
    return li;
  }

  // one slot per result, filled as soon as its fragment arrives (in order)
  function render(results, mine, q) {
    list.textContent = "";
    var total = results.length;
    status.textContent = total ? "共 " + total + " 个文件命中" + (total > MAX_DOCS ? "，显示前 " + MAX_DOCS + " 个" : "")
                               : "没有找到匹配的条款";
    results.slice(0, MAX_DOCS).forEach(function (r) {
      var slot = list.appendChild(document.createElement("li"));
      slot.className = "ipa-hit ipa-hit--loading";
      r.data().then(function (d) {
        if (mine === seq) list.replaceChild(hit(d, q), slot);
      });
    });
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
    status.textContent = "正在检索…";
    load().then(function (pf) {
      return pf.debouncedSearch(q, {}, 60);
    }).then(function (res) {
      if (res && mine === seq) render(res.results, mine, q);
    }).catch(function (e) {
      status.textContent = "检索索引加载失败：" + e;
    });
  }

  // fetch the search runtime (pagefind.js, its wasm and the ~4 KB page
  // list, ~120 KB) once the page is idle, so the first query only loads
  // the index chunks and fragments it needs
  if (location.protocol !== "file:") {
    var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 200); };
    window.addEventListener("load", function () { idle(function () { load().catch(function () {}); }); });
  }

  input.addEventListener("input", run);
  input.addEventListener("focus", function () { if (input.value.trim()) panel.hidden = false; load(); });
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
})();
