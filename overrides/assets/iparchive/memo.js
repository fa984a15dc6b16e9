/* 知识产权政策文库「摘录」: clauses collected across pages for a memo (no framework, works from file://).
 * - Every clause head gets a 「摘录」 button beside 复制引用 / GB/T 7714 (added here, not in the
 *   page: pages stay as they are); a click adds the clause (citation, canonical URL, its text and
 *   the texts of its sub-clauses, the page's title) to a list kept in localStorage
 *   ("iparchive-excerpts"), so it grows across pages and visits; a second click takes it out.
 * - The 「摘录（N）」 button (bottom right, shown while the list is not empty) opens the list:
 *   复制全部 puts every citation with its text on the clipboard as text/plain and as text/html
 *   (each citation a link: window.IPArchiveClipboard from site.js); 下载 Word writes one .docx
 *   made here, in the browser (a minimal WordprocessingML package in a stored zip, site.js's zip: no library,
 *   no network, works from file:// and any static host), each citation a hyperlink to its clause
 *   and a bookmark, 生成日期 and the document's created date set to now; 清空 empties the list.
 */
(function () {
  "use strict";

  var KEY = "iparchive-excerpts";
  var clip = window.IPArchiveClipboard;

  function load() {
    try {
      var list = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) { return []; }
  }

  function store(list) {
    try { localStorage.setItem(KEY, JSON.stringify(list)); } catch (e) { /* private mode: this page only */ }
    memory = list;
    render();
  }

  var memory = load();

  function list() { return memory; }

  function notice() { return document.querySelector(".notice[data-doc]"); }

  function today() {
    return clip ? clip.today() : new Date().toISOString().slice(0, 10);
  }

  function absolute(url) {
    try { return new URL(url, location.href).href; } catch (e) { return url; }
  }

  function entryOf(clause) {
    var n = notice(), head = clause.querySelector(".clause-head");
    if (!n || !head) return null;
    var texts = [];
    clause.querySelectorAll(".clause-text").forEach(function (t) { texts.push(t.textContent.trim()); });
    return {
      doc: n.dataset.doc,
      clause: head.id,
      cite: clause.dataset.cite || (n.dataset.citePrefix + clause.dataset.label),
      url: absolute(n.dataset.url) + "#" + head.id,
      text: texts.join("\n"),
      added: today()
    };
  }

  function keyOf(e) { return e.doc + "#" + e.clause; }

  function has(doc, clause) {
    return list().some(function (e) { return e.doc === doc && e.clause === clause; });
  }

  /* ---- buttons on the clauses ---- */

  function buttons() {
    var n = notice();
    if (!n) return;
    document.querySelectorAll(".clause-head > .clause-tools").forEach(function (tools) {
      if (tools.querySelector(".clause-excerpt")) return;
      var b = document.createElement("button");
      b.type = "button";
      b.className = "clause-excerpt";
      b.title = "加入摘录：跨页面收集条款，一并复制或下载为 Word";
      tools.appendChild(b);
    });
    mark();
  }

  function mark() {
    var n = notice();
    if (!n) return;
    document.querySelectorAll(".clause-excerpt").forEach(function (b) {
      var head = b.closest(".clause-head");
      var on = head && has(n.dataset.doc, head.id);
      b.textContent = on ? "已摘录" : "摘录";
      b.classList.toggle("is-copied", !!on);
    });
  }

  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest(".clause-excerpt");
    if (!b) return;
    ev.preventDefault();
    ev.stopPropagation();
    var e = entryOf(b.closest(".clause"));
    if (!e) return;
    var items = list().filter(function (x) { return keyOf(x) !== keyOf(e); });
    if (items.length === list().length) items.push(e);
    store(items);
  }, true);

  /* ---- the list ---- */

  var panel, toggle;

  function el(tag, cls, text) {
    var x = document.createElement(tag);
    if (cls) x.className = cls;
    if (text !== undefined) x.textContent = text;
    return x;
  }

  function build() {
    toggle = el("button", "ipa-excerpts-toggle");
    toggle.type = "button";
    toggle.addEventListener("click", function () { panel.hidden = !panel.hidden; render(); });
    panel = el("section", "ipa-excerpts");
    panel.hidden = true;
    panel.setAttribute("aria-label", "摘录");
    document.body.appendChild(toggle);
    document.body.appendChild(panel);
  }

  function render() {
    if (!toggle) return;
    var items = list();
    toggle.textContent = "摘录（" + items.length + "）";
    toggle.hidden = items.length === 0;
    if (!items.length) panel.hidden = true;
    mark();
    if (panel.hidden) return;
    panel.textContent = "";
    var h = el("h2", "", "摘录（" + items.length + " 条）");
    panel.appendChild(h);
    var ol = el("ol");
    items.forEach(function (e, i) {
      var li = el("li"), a = el("a", "", e.cite);
      a.href = e.url;
      li.appendChild(a);
      var rm = el("button", "ipa-excerpt-remove", "移除");
      rm.type = "button";
      rm.addEventListener("click", function () {
        store(list().filter(function (_, k) { return k !== i; }));
      });
      li.appendChild(rm);
      ol.appendChild(li);
    });
    panel.appendChild(ol);
    var bar = el("p", "ipa-excerpt-actions");
    [["复制全部", copyAll, "ipa-excerpt-copy"], ["下载 Word", download, "ipa-excerpt-docx"],
     ["清空", function () { store([]); }, "ipa-excerpt-clear"], ["关闭", function () { panel.hidden = true; render(); }, "ipa-excerpt-close"]]
      .forEach(function (x) {
        var b = el("button", "ipa-excerpt-button " + x[2], x[0]);
        b.type = "button";
        b.addEventListener("click", x[1]);
        bar.appendChild(b);
      });
    panel.appendChild(bar);
    var status = el("p", "ipa-excerpt-status");
    status.setAttribute("role", "status");
    panel.appendChild(status);
  }

  function say(text) {
    var s = panel && panel.querySelector(".ipa-excerpt-status");
    if (s) s.textContent = text;
  }

  function copyAll() {
    var items = list(), esc = clip ? clip.escapeHtml : function (s) { return s; };
    var text = items.map(function (e) { return e.cite + " " + e.url + (e.text ? "\n" + e.text : ""); }).join("\n\n");
    var html = items.map(function (e) {
      return '<p><a href="' + esc(e.url) + '">' + esc(e.cite) + "</a></p>" +
        (e.text ? e.text.split("\n").map(function (t) { return "<p>" + esc(t) + "</p>"; }).join("") : "");
    }).join("");
    document.documentElement.dataset.lastExcerpts = text;
    if (!clip) { say("复制失败：页面脚本未加载"); return; }
    clip.copy(text, html).then(function (ok) {
      say(ok ? "已复制 " + items.length + " 条摘录（粘贴到 Word 或邮件中为链接）" : "复制失败，请改用“下载 Word”");
    });
  }

  /* ---- the Word file ---- */

  function xml(s) {
    return String(s).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, "")
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function run(text, link) {
    var pr = link ? '<w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr>' : "";
    return "<w:r>" + pr + '<w:t xml:space="preserve">' + xml(text) + "</w:t></w:r>";
  }

  function para(inner, style) {
    return "<w:p>" + (style ? '<w:pPr><w:pStyle w:val="' + style + '"/></w:pPr>' : "") + inner + "</w:p>";
  }

  var W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
  var R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  var PKG = "http://schemas.openxmlformats.org/package/2006/relationships";

  function styles() {
    function st(id, name, size, outline) {
      return '<w:style w:type="paragraph" w:styleId="' + id + '"><w:name w:val="' + name + '"/>' +
        '<w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/>' +
        (outline !== undefined ? '<w:outlineLvl w:val="' + outline + '"/>' : "") +
        '<w:spacing w:before="240" w:after="60"/></w:pPr><w:rPr><w:b/><w:sz w:val="' + size + '"/></w:rPr></w:style>';
    }
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="' + W + '">' +
      '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:eastAsia="SimSun"/><w:sz w:val="24"/><w:lang w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault></w:docDefaults>' +
      '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>' +
      st("Title", "Title", 36) + st("Heading1", "heading 1", 32, 0) + st("Heading2", "heading 2", 28, 1) + "</w:styles>";
  }

  function docxParts(items, now) {
    var rels = [], body = [];
    body.push(para(run("摘录"), "Title"));
    body.push(para(run("生成日期：" + now.slice(0, 10) + "　共 " + items.length + " 条　来源：知识产权政策文库")));
    items.forEach(function (e, i) {
      var rid = "rIdL" + (i + 1);
      rels.push('<Relationship Id="' + rid + '" Type="' + R + '/hyperlink" Target="' + xml(e.url) + '" TargetMode="External"/>');
      body.push("<w:p><w:pPr><w:pStyle w:val=\"Heading2\"/></w:pPr>" +
        '<w:bookmarkStart w:id="' + i + '" w:name="x' + (i + 1) + '"/>' +
        '<w:hyperlink r:id="' + rid + '" w:history="1">' + run(e.cite, true) + "</w:hyperlink>" +
        '<w:bookmarkEnd w:id="' + i + '"/></w:p>');
      (e.text || "").split("\n").forEach(function (t) { if (t) body.push(para(run(t))); });
      body.push("<w:p>" + run("永久链接：") + '<w:hyperlink r:id="' + rid + '" w:history="1">' + run(e.url, true) +
        "</w:hyperlink></w:p>");
    });
    var ct = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>' +
      '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>';
    var root = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="' + PKG + '">' +
      '<Relationship Id="rId1" Type="' + R + '/officeDocument" Target="word/document.xml"/>' +
      '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>';
    var docRels = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="' + PKG + '">' +
      '<Relationship Id="rIdS" Type="' + R + '/styles" Target="styles.xml"/>' + rels.join("") + "</Relationships>";
    var doc = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="' + W + '" xmlns:r="' + R + '"><w:body>' +
      body.join("") + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1800" w:bottom="1440" w:left="1800" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>';
    var core = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ' +
      'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" ' +
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>摘录</dc:title><dc:creator>知识产权政策文库</dc:creator>' +
      '<dcterms:created xsi:type="dcterms:W3CDTF">' + now + '</dcterms:created>' +
      '<dcterms:modified xsi:type="dcterms:W3CDTF">' + now + "</dcterms:modified></cp:coreProperties>";
    return [["[Content_Types].xml", ct], ["_rels/.rels", root], ["word/document.xml", doc],
            ["word/_rels/document.xml.rels", docRels], ["word/styles.xml", styles()], ["docProps/core.xml", core]];
  }

  function download() {
    var items = list();
    if (!items.length) return;
    var now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    var blob = window.IPArchiveZip.stored(docxParts(items, now));  // site.js: a zip of stored entries
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "摘录-" + today() + ".docx";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
    say("已生成 Word 文件（" + items.length + " 条，每条引用均为链接）");
  }

  window.IPArchiveExcerpts = { list: list, docxParts: docxParts };

  // another tab changed the list
  window.addEventListener("storage", function (e) { if (e.key === KEY) { memory = load(); render(); } });

  build();
  buttons();
  render();
})();
