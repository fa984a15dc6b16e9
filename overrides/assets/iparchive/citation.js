/* 知识产权政策文库 — citation lookup in the search box (issue 25).
 *
 * A query that is a citation (专利法第七十一条, 专利法71条, 民法典第一千一百八十五条,
 * 商标法第六十三条第一款, 国知发保字〔2021〕7号, 《中华人民共和国著作权法》第五十四条)
 * puts the cited article or document above the text hits, in both search boxes
 * (Material's on small archives, the Pagefind panel on large ones); Enter opens it.
 * The same rules as search/citation.py, on the same table (data/citations.js, a
 * script so that it loads from file:// too).  Hooks: it only adds one box at the top
 * of the results; the panels themselves are pagefind-search.js's.  The table
 * (~170 KB on the whole corpus) loads at once only for a query that is surely a
 * citation (an article, a 文号, 《…》); a bare name (行政执法 ends in 法) waits for
 * the box's "iparchive:results" event: its text hits come first.
 */
(function () {
  "use strict";
  var me = document.currentScript && document.currentScript.src;
  var root = me ? me.replace(/assets\/iparchive\/citation\.js(?:[?#].*)?$/, "") : "";
  var table = null, loading = null;

  function load() {
    if (table) return Promise.resolve(table);
    if (!loading) {
      loading = new Promise(function (ok, fail) {
        var s = document.createElement("script");
        s.src = root + "data/citations.js";
        s.onload = function () { table = window.__ipaCitations || { docs: [] }; ok(table); };
        s.onerror = function () { loading = null; fail(new Error("citations")); };
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  // ------------------------------------------------------------ numerals
  var DIGIT = { "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9 };
  var UNIT = { "十": 10, "百": 100, "千": 1000 };
  function cnInt(s) {
    if (/^\d+$/.test(s)) return parseInt(s, 10);
    var total = 0, cur = 0, seen = false;
    for (var i = 0; i < s.length; i++) {
      var ch = s[i];
      if (ch in DIGIT) { cur = DIGIT[ch]; seen = true; }
      else if (ch in UNIT) { total += (seen || cur ? cur : 1) * UNIT[ch]; cur = 0; seen = false; }
      else return null;
    }
    return total + cur;
  }
  var CN = "零一二三四五六七八九";
  function intCn(n) {
    if (n < 10) return CN[n];
    var out = "", units = [[1000, "千"], [100, "百"], [10, "十"]], zero = false;
    units.forEach(function (u) {
      var d = Math.floor(n / u[0]);
      n %= u[0];
      if (d) { if (zero) out += "零"; out += (d === 1 && u[0] === 10 && !out ? "" : CN[d]) + u[1]; zero = false; }
      else if (out) zero = true;
    });
    if (n) out += (zero ? "零" : "") + CN[n];
    return out;
  }

  // ------------------------------------------------------------ parse + resolve
  var NUM = "零〇一二三四五六七八九十百千两0-9";
  var ARTICLE = new RegExp("^(.*?)\\s*第?\\s*([" + NUM + "]+)\\s*条(?:\\s*之\\s*([" + NUM + "]+))?" +
                           "(?:\\s*第?\\s*([" + NUM + "]+)\\s*款)?(?:\\s*第?\\s*([" + NUM + "]+)\\s*项)?\\s*$");
  var DOCNO = /([\u4e00-\u9fa5（）()]{1,20}?)\s*[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]\s*第?\s*(\d+)\s*号/;
  var ORDER = /([\u4e00-\u9fa5]{1,20}?)令\s*第\s*([0-9一二三四五六七八九十百千零〇]+)\s*号/;

  function fold(s) { return s.normalize("NFKC").replace(/[\s《》〈〉<>“”"']/g, ""); }

  function docno(q) {
    var s = q.normalize("NFKC").trim(), m = DOCNO.exec(s);
    if (m) return m[1].replace(/\(/g, "（").replace(/\)/g, "）") + "〔" + m[2] + "〕" + parseInt(m[3], 10) + "号";
    m = ORDER.exec(s);
    if (m) {
      var org = m[1].replace("中华人民共和国", "");
      if (org === "国" || org === "") org = "国务院";
      return org + "令第" + cnInt(m[2]) + "号";
    }
    return null;
  }

  function parse(q) {
    var s = q.normalize("NFKC").trim();
    if (!s || s.length > 80) return null;
    var no = docno(s);
    if (no && fold(s).length <= fold(no).length + 2) return { no: no };
    var m = ARTICLE.exec(s);
    if (m && m[1].trim()) {
      var art = cnInt(m[2].replace(/两/g, "二"));
      if (!art) return null;
      return { name: fold(m[1]), art: art, sub: m[3] ? cnInt(m[3]) : null,
               para: m[4] ? cnInt(m[4]) : null, item: m[5] ? cnInt(m[5]) : null };
    }
    if (q.indexOf("《") >= 0 || /(?:法|条例|规定|办法|细则|解释|决定)$/.test(s)) return { name: fold(s) };
    return null;
  }

  function label(c) {
    var s = "第" + intCn(c.art) + "条" + (c.sub ? "之" + intCn(c.sub) : "");
    if (c.para && c.para > 1) s += "第" + intCn(c.para) + "款";
    if (c.item) s += "第" + intCn(c.item) + "项";
    return s;
  }

  function citation(d, lab) {
    var s = "《" + d.t.replace(/《/g, "〈").replace(/》/g, "〉") + "》";
    if (d.v) s += "（" + d.v + "）";
    if (d.no) s += "（" + d.no + "）"; else if (d.ed) s += "（" + d.ed + "）";
    return s + lab;
  }

  function paras(d, art) {
    if (!d.p || d.a0 == null || art < d.a0 || art >= d.a0 + d.p.length) return 0;
    return d.p[art - d.a0];
  }

  function rank(a, b) {
    var x = [a.s === "现行有效" ? 1 : 0, a.d || "", a.id], y = [b.s === "现行有效" ? 1 : 0, b.d || "", b.id];
    for (var i = 0; i < 3; i++) { if (x[i] !== y[i]) return x[i] < y[i] ? 1 : -1; }
    return 0;
  }

  function resolve(q, t) {
    var c = parse(q);
    if (!c || !t) return [];
    var docs = t.docs || [], out = [];
    if (c.no) {
      docs.filter(function (d) { return d.no === c.no; }).sort(rank).forEach(function (d) {
        out.push({ cite: citation(d, ""), href: "notices/" + d.id + ".html", s: d.s });
      });
      return out;
    }
    var named = docs.filter(function (d) { return (d.n || []).indexOf(c.name) >= 0; });
    if (c.art == null) {
      return named.sort(rank).slice(0, 3).map(function (d) {
        return { cite: citation(d, ""), href: "notices/" + d.id + ".html", s: d.s };
      });
    }
    return named.filter(function (d) { return paras(d, c.art) > 0; }).sort(rank).slice(0, 3).map(function (d) {
      var id = "art-" + c.art + (c.sub ? "-" + c.sub : "");
      if (c.para && c.para > 1 && c.para <= paras(d, c.art) && !c.sub) id += "-p" + c.para;
      return { cite: citation(d, label(c)), href: "notices/" + d.id + ".html#" + id, s: d.s };
    });
  }

  // ------------------------------------------------------------ the box above the hits
  function attach(input, where) {
    if (!input || !where) return;
    var box = document.createElement("div");
    box.className = "ipa-cite-hits";
    box.hidden = true;
    box.setAttribute("data-search-exclude", "");
    where(box);
    var seq = 0, shownQ = null, waiting = null;
    input.addEventListener("iparchive:results", function (ev) {
      shownQ = ev.detail && ev.detail.q;
      if (waiting && waiting.q === shownQ) { var ok = waiting.ok; waiting = null; ok(); }
    });
    // a query that is surely a citation (an article, a 文号, 《…》) loads the
    // table at once; one that only may be (行政执法, ending in 法, is a name
    // as much as a search) waits until its results are shown: the 168 KB
    // table never delays them
    function ready(q, c) {
      if (table || c.no || c.art != null || q.indexOf("《") >= 0 || shownQ === q.trim()) return Promise.resolve();
      return new Promise(function (ok) { waiting = { q: q.trim(), ok: ok }; });
    }
    function show() {
      var q = input.value, my = ++seq, c = parse(q);
      if (!c) { box.hidden = true; box.textContent = ""; return; }
      ready(q, c).then(function () { return my === seq ? load() : null; }).then(function (t) {
        if (!t || my !== seq) return;
        var hits = resolve(q, t);
        box.textContent = "";
        box.hidden = !hits.length;
        hits.forEach(function (h) {
          var a = document.createElement("a");
          a.className = "ipa-cite-hit";
          a.href = root + h.href;
          a.textContent = "引用 " + h.cite + (h.s ? "（" + h.s + "）" : "");
          box.appendChild(a);
        });
      }, function () { if (my === seq) box.hidden = true; });
    }
    input.addEventListener("input", show);
    input.addEventListener("keydown", function (ev) {
      var first = box.hidden ? null : box.querySelector("a.ipa-cite-hit");
      if (ev.key === "Enter" && first) {
        ev.preventDefault();
        ev.stopPropagation();
        location.href = first.href;
      }
    }, true);
    if (input.value) show();
  }

  function start() {
    var css = document.createElement("style");
    css.textContent = ".ipa-cite-hits{padding:.4rem .8rem;border-bottom:1px solid var(--md-default-fg-color--lightest)}" +
      ".ipa-cite-hit{display:block;font-weight:700;font-size:.75rem;line-height:1.6}";
    document.head.appendChild(css);
    attach(document.querySelector("input.md-search__input"), function (box) {
      var out = document.querySelector(".md-search-result");
      if (out) out.insertBefore(box, out.firstChild);
    });
    var pf = document.querySelector("input.ipa-search__input");
    attach(pf, function (box) {
      var panel = pf.closest("form") && pf.closest("form").querySelector(".ipa-search__panel");
      if (panel) panel.insertBefore(box, panel.firstChild);
    });
  }

  window.iparchiveCitation = { parse: parse, resolve: function (q) { return load().then(function (t) { return resolve(q, t); }); } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { setTimeout(start, 0); });
  else setTimeout(start, 0);
})();
