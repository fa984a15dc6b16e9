/* 知识产权政策文库 page behaviour (no framework, works from file://).
 * 1. #anchor: scroll the clause into view and highlight it; old clause ids
 *    (data-redirects on .notice) are rewritten to their new ids.
 * 2. 复制引用 / GB/T 7714 buttons: copy citation + permanent URL as text/plain
 *    and as text/html (a link whose text is the citation, pasted into Word or
 *    an e-mail it stays a link): execCommand's copy event, given both types,
 *    else navigator.clipboard.write with a ClipboardItem.
 *    window.IPArchiveClipboard.copy(text, html) is shared with memo.js (摘录).
 * 3. 时间线: filter entries by region (#tl-region).
 * 4. A clause id the page does not have: 「本文件没有条款 #s9-9」 with a link
 *    to the outline (#outline), which opens; long outlines list a chapter's
 *    articles when it is opened (details[data-lazy]).
 * 5. Without a public address (data-local-copy on .notice) a copied link is
 *    said to be a local copy; the print footer gets the address and today's date.
 * 6. 文件列表: filter by region, year, type, status; sort by date (#doc-filter).
 * 7. The copy buttons of item 2 and the ¶ link are made here, once per clause
 *    heading (.clause-head > .clause-tools, before memo.js adds 摘录 to it),
 *    the label's span.clause-label around the heading's text, and the clause's
 *    theme links (h[data-themes]: slugs; .clauses[data-themes]: slug -> [name,
 *    link]): written into the page they were ~430 bytes a clause (issue 29).  A chapter's articles in
 *    the outline are listed when it is opened (item 4).
 * 8. JSON, 纯文本（TXT）, Markdown and Word downloads made here from the document's
 *    gzipped JSON record (data/notices/<id>.json.gz; .downloads[data-head]:
 *    the header lines, [data-card]: the Word file's card rows): the record's text, and byte for byte what
 *    write/downloads.text_file / markdown_file make; the Word file with the
 *    word/document.xml and links of downloads.docx_bytes, its other parts from
 *    data/word-template.json, zipped here (deflate-raw where the browser has it);
 *    written as files they were the text four times more (issue 29).  Hidden until this runs; from
 *    file:// (no fetch) the JSON link gives the .json.gz itself and a note
 *    says to open the archive with iparchive serve for the others.
 */
(function () {
  "use strict";

  function notice() { return document.querySelector(".notice[data-doc]"); }

  function clauseTools() {
    if (!notice()) return;
    var proto = document.createElement("span");
    proto.className = "clause-tools";
    proto.setAttribute("data-search-exclude", "");
    [["plain", "复制引用文字和永久链接", "复制引用"], ["gbt", "按 GB/T 7714-2015 格式复制", "GB/T 7714"]]
      .forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "clause-copy";
        button.dataset.format = b[0];
        button.title = b[1];
        button.textContent = b[2];
        proto.appendChild(button);
      });
    var names = {}, tree = document.querySelector(".clauses[data-themes]");
    try { names = tree ? JSON.parse(tree.dataset.themes) : {}; } catch (e) { names = {}; }
    document.querySelectorAll(".clause-head").forEach(function (head) {
      var clause = head.parentNode, label = head.querySelector(":scope > .clause-label");
      if (head.dataset.themes && !head.querySelector(":scope > .clause-themes")) {  // the clause's theme links
        var span = document.createElement("span");
        span.className = "clause-themes";
        span.setAttribute("data-search-exclude", "");
        head.dataset.themes.split(" ").forEach(function (slug) {
          if (!names[slug]) return;
          var a = document.createElement("a");
          a.className = "clause-theme";
          a.href = names[slug][1];
          a.textContent = names[slug][0];
          span.appendChild(a);
        });
        head.appendChild(span);
      }
      if (!label && head.firstChild && head.firstChild.nodeType === 3) {  // the label, the heading's text: its span made here (issue 29)
        label = document.createElement("span");
        label.className = "clause-label";
        head.insertBefore(label, head.firstChild);
        label.appendChild(label.nextSibling);
      }
      // the clause's label for the citations (site.js, memo.js): its heading's, not written twice
      if (clause && clause.dataset && clause.dataset.label === undefined && label)
        clause.dataset.label = label.textContent.replace(/^\u3000$/, "");
      if (head.querySelector(":scope > .clause-tools")) return;
      var pilcrow = head.querySelector(":scope > .headerlink");
      if (!pilcrow && head.id) {  // the ¶ link, Material's headerlink, made here too (issue 29)
        pilcrow = document.createElement("a");
        pilcrow.className = "headerlink";
        pilcrow.href = "#" + head.id;
        pilcrow.textContent = "\u00b6";
        var themes = head.querySelector(":scope > .clause-themes");
        head.insertBefore(pilcrow, themes);
      }
      if (pilcrow) pilcrow.title = "本条链接";
      head.insertBefore(proto.cloneNode(true), pilcrow ? pilcrow.nextSibling : null);
    });
  }

  function redirects() {
    var n = notice();
    if (!n || !n.dataset.redirects) return {};
    try { return JSON.parse(n.dataset.redirects); } catch (e) { return {}; }
  }

  function highlight() {
    var id = decodeURIComponent(location.hash.slice(1));
    document.querySelectorAll(".clause.is-target").forEach(function (el) {
      el.classList.remove("is-target");
    });
    if (!id) return;
    var map = redirects();
    if (map[id]) {
      id = map[id];
      history.replaceState(null, "", "#" + encodeURIComponent(id));
    }
    var el = document.getElementById(id);
    missing(el ? null : id);
    if (!el) return;
    if (id === "outline") {
      var box = el.querySelector("details.outline-box");
      if (box) box.open = true;
    }
    var clause = el.closest(".clause");
    if (clause) {
      clause.classList.add("is-target");
      var head = clause.querySelector(".clause-head");
      (head || el).scrollIntoView({ block: "start" });
    }
  }

  function missing(id) {
    var n = notice(), old = document.querySelector(".anchor-missing");
    if (old) old.remove();
    if (!n || !id) return;
    var p = document.createElement("div");
    p.className = "admonition warning anchor-missing";
    p.setAttribute("role", "alert");
    var t = document.createElement("p");
    t.textContent = "本文件没有条款 #" + id + "。";
    var a = document.createElement("a");
    a.href = "#outline";
    a.textContent = "查看本文件目录";
    t.appendChild(a);
    p.appendChild(t);
    n.insertBefore(p, n.querySelector("table.meta-card"));
    p.scrollIntoView({ block: "center" });
  }

  function lazyOutline() {
    document.querySelectorAll("details[data-lazy]").forEach(function (d) {
      d.addEventListener("toggle", function () {
        if (!d.open || d.querySelector("ol")) return;
        var head = document.getElementById(d.dataset.lazy);
        var clause = head && head.closest(".clause");
        if (!clause) return;
        var ol = document.createElement("ol");
        ol.className = "outline-list";
        clause.querySelectorAll(":scope > .clause--article > .clause-head").forEach(function (h) {
          var li = document.createElement("li"), a = document.createElement("a");
          var label = h.querySelector(".clause-label");
          a.href = "#" + h.id;
          a.textContent = label ? label.textContent : h.id;
          li.appendChild(a);
          ol.appendChild(li);
        });
        d.appendChild(ol);
      });
    });
  }

  function printFooter() {
    var url = document.querySelector(".print-footer .print-url");
    if (url && !url.textContent) url.textContent = location.href.split("#")[0];
    var date = document.querySelector(".print-footer .print-date");
    if (date) date.textContent = today();
  }

  function toast(text) {
    var t = document.querySelector(".ipa-toast");
    if (!t) {
      t = document.createElement("div");
      t.className = "ipa-toast";
      t.setAttribute("role", "status");
      document.body.appendChild(t);
    }
    t.textContent = text;
    t.hidden = false;
    clearTimeout(t.timer);
    t.timer = setTimeout(function () { t.hidden = true; }, 6000);
  }

  function today() {
    var d = new Date();
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
  }

  function absolute(url) {
    try { return new URL(url, location.href).href; } catch (e) { return url; }
  }

  function citation(button) {
    var n = notice(), clause = button.closest(".clause");
    if (!n || !clause) return "";
    var head = clause.querySelector(".clause-head");
    var url = absolute(n.dataset.url) + "#" + head.id;
    if (button.dataset.format === "gbt") {
      // the clause label after the title (issue 25); a forwarded plan's clause carries its own
      var g = clause.dataset.gbt || n.dataset.gbt.replace(/\[EB\/OL\]\.(?![\s\S]*\[EB\/OL\])/, clause.dataset.label + "[EB/OL].");
      return g + "[" + today() + "]. " + url + ".";
    }
    var cite = clause.dataset.cite || (n.dataset.citePrefix + clause.dataset.label);
    return cite + " " + url;
  }

  /* ---- rich clipboard: text/plain beside text/html ---- */

  function escapeHtml(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  // the citation as HTML: 复制引用 -> <a href=url>citation</a>; GB/T -> the text with its URL linked
  function citationHtml(button, text) {
    var url = text.split(" ").pop().replace(/\.$/, "");
    if (button.dataset.format === "gbt") {
      var at = text.lastIndexOf(url);
      return escapeHtml(text.slice(0, at)) + '<a href="' + escapeHtml(url) + '">' + escapeHtml(url) + "</a>" +
        escapeHtml(text.slice(at + url.length));
    }
    return '<a href="' + escapeHtml(url) + '">' + escapeHtml(text.slice(0, text.length - url.length).trim()) + "</a>";
  }

  // execCommand("copy") with a copy-event handler: works from file:// (no secure context), both types
  function fallbackCopy(text, html) {
    var ok = false;
    function onCopy(e) {
      if (!e.clipboardData) return;
      e.clipboardData.setData("text/plain", text);
      if (html) e.clipboardData.setData("text/html", html);
      e.preventDefault();
      ok = true;
    }
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    document.addEventListener("copy", onCopy, true);
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.removeEventListener("copy", onCopy, true);
    ta.remove();
    return ok || (done && !html);
  }

  // the copy event first: synchronous inside the click, both types, from file:// and http alike
  // (navigator.clipboard.write can wait forever on a permission nobody is asked for); then the
  // asynchronous API (ClipboardItem with both types), e.g. where execCommand is gone
  function copy(text, html) {
    if (fallbackCopy(text, html)) return Promise.resolve(true);
    var clip = navigator.clipboard;
    if (!clip || !window.isSecureContext) return Promise.resolve(false);
    if (html && clip.write && window.ClipboardItem) {
      var item = new ClipboardItem({
        "text/plain": new Blob([text], { type: "text/plain" }),
        "text/html": new Blob([html], { type: "text/html" })
      });
      return clip.write([item]).then(function () { return true; }, function () { return false; });
    }
    return clip.writeText(text).then(function () { return true; }, function () { return false; });
  }

  window.IPArchiveClipboard = { copy: copy, escapeHtml: escapeHtml, today: today, absolute: absolute };

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest(".clause-copy");
    if (!button) return;
    ev.preventDefault();
    var text = citation(button), html = citationHtml(button, text);
    document.documentElement.dataset.lastCitation = text;
    document.documentElement.dataset.lastCitationHtml = html;
    copy(text, html).then(function (ok) {
      var n = notice(), local = n && n.dataset.localCopy;
      if (ok) toast(local ? "已复制引用。" + local + "：" + text.split(" ").pop() : "已复制引用：" + text);
      else toast("复制失败，请手动复制：" + text);
      var old = button.dataset.text || button.textContent;
      button.dataset.text = old;
      button.textContent = ok ? "已复制" : "复制失败";
      button.classList.add(ok ? "is-copied" : "is-failed");
      setTimeout(function () {
        button.textContent = old;
        button.classList.remove("is-copied", "is-failed");
      }, 1500);
    });
  });

  function timelineFilter() {
    var select = document.getElementById("tl-region");
    if (!select) return;
    function apply() {
      var code = select.value, shown = 0;
      document.querySelectorAll("ul.timeline").forEach(function (ul) {
        var visible = 0;
        ul.querySelectorAll("li").forEach(function (li) {
          var on = !code || (" " + li.dataset.regions + " ").indexOf(" " + code + " ") >= 0;
          li.hidden = !on;
          if (on) { visible++; if (li.classList.contains("tl-doc")) shown++; }
        });
        ul.hidden = visible === 0;
        var h = ul.previousElementSibling;
        if (h && /^H[1-6]$/.test(h.tagName)) h.hidden = visible === 0;
      });
      var count = document.querySelector(".tl-count");
      if (count) count.textContent = "共 " + shown + " 件文件";
    }
    select.addEventListener("change", apply);
    apply();
  }

  function docFilter() {
    var form = document.getElementById("doc-filter");
    var table = document.querySelector("table.doc-table");
    if (!form || !table) return;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    function apply() {
      var want = {}, shown = 0;
      form.querySelectorAll("select[data-key]").forEach(function (s) { want[s.dataset.key] = s.value; });
      rows.forEach(function (tr) {
        var on = Object.keys(want).every(function (k) {
          return !want[k] || (" " + (tr.dataset[k] || "") + " ").indexOf(" " + want[k] + " ") >= 0;
        });
        tr.hidden = !on;
        if (on) shown++;
      });
      var order = form.querySelector("select[name=sort]").value;
      rows.slice().sort(function (a, b) {
        var x = a.dataset.date || "", y = b.dataset.date || "";
        if (x === y) return 0;
        if (order === "asc") return (x || "9999") < (y || "9999") ? -1 : 1;
        return x < y ? 1 : -1;
      }).forEach(function (tr) { body.appendChild(tr); });
      var count = form.querySelector(".doc-count");
      if (count) count.textContent = "显示 " + shown + " / " + rows.length + " 件";
    }
    form.addEventListener("change", apply);
    form.addEventListener("reset", function () { setTimeout(apply, 0); });
    form.hidden = false;
    apply();
  }

  // str.strip()'s whitespace (write/downloads.PY_SPACE); JS trim() differs on U+001C-U+001F and U+FEFF
  var SPACE = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  var STRIP = new RegExp("^" + SPACE + "+|" + SPACE + "+$", "g");
  // clause kinds whose first line is bold in the Markdown, and their Word heading level (write/downloads.DOCX_HEADINGS)
  var HEADINGS = {"heading": 1, "part": 1, "chapter": 1, "section": 2, "subchapter": 2, "attachment": 1};

  function strip(s) { return (s || "").replace(STRIP, ""); }

  function walk(clauses, out) {
    (clauses || []).forEach(function (c) { out.push(c); walk(c.children, out); });
    return out;
  }

  function textFile(rec, head) {
    var body = walk(rec.clauses, []).map(function (c) { return strip(c.text); })
      .filter(function (t) { return t; }).join("\n");
    return [rec.title, ""].concat(head, ["", new Array(21).join("\u2014"), "", body, ""]).join("\n");
  }

  function markdownFile(rec, head) {
    var out = ["# " + rec.title, ""].concat(head.map(function (l) { return "- " + l; }), [""]);
    walk(rec.clauses, []).forEach(function (c) {
      out.push('<a id="' + c.id + '"></a>');
      var text = strip(c.text);
      if (!text) out.push("\uff08" + c.label + "\uff09");
      else text.split("\n").forEach(function (line, i) {
        out.push(i === 0 && HEADINGS.hasOwnProperty(c.kind) ? "**" + line + "**" : line);
      });
      out.push("");
    });
    return out.join("\n");
  }

  /* ---- the Word file (write/downloads.docx_bytes, its reference: the same word/document.xml and links) ---- */

  var LSTRIP = new RegExp("^" + SPACE + "+");
  var NUM_HAN = "一二三四五六七八九十百";
  // a clause's printed number at its start (downloads.LAW_NUMBER_RE, NUMBER_RE; \p{Nd} is Python's \d)
  var LAW_NUMBER = new RegExp("^第[" + NUM_HAN + "千零〇两\\p{Nd}]+(?:条(?:之[一二三四五六七八九十]+)?|章|节|编|分编|部分|款)", "u");
  var NUMBER = new RegExp("^(?:（[" + NUM_HAN + "零〇\\p{Nd}]+）|\\([" + NUM_HAN + "\\p{Nd}]+\\)|[" + NUM_HAN + "]+、" +
                          "|\\p{Nd}+(?:\\.\\p{Nd}+)+(?=" + SPACE + ")|\\p{Nd}+[.．、])", "u");
  var XML_BAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g;

  // (number, what parts it from the text, the rest): downloads.split_number
  function splitNumber(text) {
    var m = LAW_NUMBER.exec(text), rest, r;
    if (m) {
      rest = text.slice(m[0].length);
      r = rest.replace(LSTRIP, "");
      return [m[0], strip(rest) ? (rest.slice(0, rest.length - r.length) || "\u3000") : "", r];
    }
    m = NUMBER.exec(text);
    if (m && m[0].length < text.length) {
      rest = text.slice(m[0].length);
      r = rest.replace(LSTRIP, "");
      return [m[0], rest.slice(0, rest.length - r.length), r];
    }
    return ["", "", text];
  }

  function wordBookmark(id) {  // downloads.word_bookmark
    var name = id.replace(/[^A-Za-z0-9_]/gu, "_");
    return (/^[A-Za-z]/.test(name) ? name : "c_" + name).slice(0, 40);
  }

  function xmlText(s) { return String(s).replace(XML_BAD, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function xmlAttr(s) { return xmlText(s).replace(/"/g, "&quot;"); }

  function wRun(text, bold, link) {
    var props = (bold ? "<w:b/>" : "") + (link ? '<w:color w:val="0563C1"/><w:u w:val="single"/>' : "");
    return "<w:r>" + (props ? "<w:rPr>" + props + "</w:rPr>" : "") + '<w:t xml:space="preserve">' + xmlText(text) + "</w:t></w:r>";
  }

  function wPara(text, style, bold) {
    return "<w:p>" + (style ? '<w:pPr><w:pStyle w:val="' + style + '"/></w:pPr>' : "") + (bold ? wRun(bold, true) : "") +
      (text ? wRun(text) : "") + "</w:p>";
  }

  // word/document.xml and its hyperlink relationships: downloads.docx_bytes, line for line
  function wordParts(rec, head, card, tpl, n, generated) {
    var ids = {}, order = [];
    function link(url, text, bold) {
      if (!ids.hasOwnProperty(url)) { order.push(url); ids[url] = "rIdL" + order.length; }
      return '<w:hyperlink r:id="' + ids[url] + '" w:history="1">' + wRun(text, bold, true) + "</w:hyperlink>";
    }
    var local = n.dataset.localCopy, url = rec.url;
    function target(u) { return local ? "../../" + u : u; }
    var body = [wPara(rec.title, "Title")];
    card.forEach(function (row) { body.push(wPara(row[1], "", row[0] + "\uff1a")); });
    head.slice(2).forEach(function (line) {
      var at = line.indexOf("\uff1a"), label = at < 0 ? line : line.slice(0, at), value = at < 0 ? "" : line.slice(at + 1);
      if (label === "来源" && /^https?:\/\//.test(value)) body.push("<w:p>" + wRun("来源：", true) + link(value, value) + "</w:p>");
      else body.push(wPara(value, "", label + "\uff1a"));
    });
    body.push(wPara("引用信息", "Heading1"));
    body.push(wPara(rec.citation, "", "引用："));
    body.push("<w:p>" + wRun("永久链接：", true) + link(target(url), url) + wRun(local ? "\uff08" + local + "\uff09" : "") + "</w:p>");
    body.push(wPara(n.dataset.gbt + "[引用日期]. " + url + ".", "", "GB/T 7714："));
    body.push(wPara(generated + "（本文件由文库生成的日期；引用时请在方括号内填写您查阅的日期）", "", "生成日期："));
    body.push(wPara("正文", "Heading1"));
    walk(rec.clauses, []).forEach(function (c, k) {
      var text = strip(c.text), lines = text ? text.split("\n") : [], first = lines.length ? lines[0] : "";
      var to = target(url + "#" + c.id), num = splitNumber(first), runs;
      var style = HEADINGS.hasOwnProperty(c.kind) && lines.length ? "Heading" + Math.min(HEADINGS[c.kind] + 1, 6) : "";
      if (num[0]) runs = link(to, num[0], true) + wRun(num[1] + num[2]);
      else if (first) runs = wRun(first) + link(to, "\u00b6");
      else runs = link(to, "\uff08" + (c.label || c.id) + "\uff09");
      body.push("<w:p>" + (style ? '<w:pPr><w:pStyle w:val="' + style + '"/></w:pPr>' : "") +
        '<w:bookmarkStart w:id="' + k + '" w:name="' + xmlAttr(wordBookmark(c.id)) + '"/>' + runs +
        '<w:bookmarkEnd w:id="' + k + '"/></w:p>');
      lines.slice(1).forEach(function (line) { body.push(wPara(line)); });
    });
    var rels = order.map(function (u) {
      return '<Relationship Id="' + ids[u] + '" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"' +
        ' Target="' + xmlAttr(u) + '" TargetMode="External"/>';
    }).join("");
    var stamp = generated + "T00:00:00Z";
    var core = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ' +
      'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" ' +
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      "<dc:title>" + xmlText(rec.title) + "</dc:title><dc:creator>知识产权政策文库</dc:creator>" +
      '<dcterms:created xsi:type="dcterms:W3CDTF">' + stamp + "</dcterms:created>" +
      '<dcterms:modified xsi:type="dcterms:W3CDTF">' + stamp + "</dcterms:modified>" +
      "<dc:language>zh-CN</dc:language></cp:coreProperties>";
    var RELS = "word/_rels/document.xml.rels", parts = tpl.parts;
    var out = [["[Content_Types].xml", parts["[Content_Types].xml"]], ["word/document.xml", tpl.head + body.join("") + tpl.sect],
               ["docProps/core.xml", core], [RELS, parts[RELS].replace("</Relationships>", rels + "</Relationships>")]];
    Object.keys(parts).forEach(function (k) {
      if (k !== "[Content_Types].xml" && k !== "docProps/core.xml" && k !== RELS) out.push([k, parts[k]]);
    });
    return out;
  }

  var template = null;
  function wordTemplate(recordUrl) {  // data/word-template.json (downloads.word_template), fetched once
    if (!template) {
      template = fetch(new URL("../word-template.json", recordUrl).href).then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      });
      template.catch(function () { template = null; });
    }
    return template;
  }

  /* ---- zip: a .docx is a zip of XML parts (memo.js's 摘录 file too) ---- */

  var CRC = (function () {
    var t = new Uint32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    return t;
  })();

  function crc32(bytes) {
    var c = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) c = CRC[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  }

  var DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

  // entries: [name, data (Uint8Array), deflated data or null (stored)]
  function zipBlob(entries, type) {
    var enc = new TextEncoder(), chunks = [], central = [], offset = 0;
    function u16(v) { return [v & 0xff, (v >>> 8) & 0xff]; }
    function u32(v) { return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]; }
    var DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;  // downloads._ZIP_TIME
    entries.forEach(function (f) {
      var name = enc.encode(f[0]), data = f[2] || f[1];
      var common = [].concat(u16(20), u16(0x0800), u16(f[2] ? 8 : 0), u16(0), u16(DOS_DATE), u32(crc32(f[1])),
                             u32(data.length), u32(f[1].length), u16(name.length), u16(0));
      var head = new Uint8Array([].concat(u32(0x04034b50), common));
      chunks.push(head, name, data);
      central.push(new Uint8Array([].concat(u32(0x02014b50), u16(20), common, u16(0), u16(0), u16(0),
                                            u32(0), u32(offset))), name);
      offset += head.length + name.length + data.length;
    });
    var size = central.reduce(function (s, c) { return s + c.length; }, 0);
    var end = new Uint8Array([].concat(u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length),
                                       u32(size), u32(offset), u16(0)));
    return new Blob(chunks.concat(central, [end]), { type: type || DOCX_TYPE });
  }

  // files: [name, text]; a zip of stored entries (synchronous)
  function zipStored(files, type) {
    var enc = new TextEncoder();
    return zipBlob(files.map(function (f) { return [f[0], enc.encode(f[1]), null]; }), type);
  }

  function deflate(bytes) {  // raw deflate where the browser has it (Chromium 103, Firefox 113, Safari 16.4), else null
    var stream;
    try { stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw")); } catch (e) { return Promise.resolve(null); }
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); }, function () { return null; });
  }

  // files: [name, text]; a zip of deflated entries where the browser can, else stored
  function zipDeflated(files, type) {
    var enc = new TextEncoder();
    return Promise.all(files.map(function (f) {
      var data = enc.encode(f[1]);
      return deflate(data).then(function (z) { return [f[0], data, z]; });
    })).then(function (entries) { return zipBlob(entries, type); });
  }

  window.IPArchiveZip = { stored: zipStored, deflated: zipDeflated };

  function wordFile(rec, head, card, tpl, n, generated) {
    return zipDeflated(wordParts(rec, head, card, tpl, n, generated));
  }

  window.IPArchiveWord = { parts: wordParts };

  function save(name, text, type) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(text instanceof Blob ? text : new Blob([text], { type: type }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
  }

  // the record's text: gzipped (data/notices/<id>.json.gz), unless a server already
  // undid the gzip (Content-Encoding for .gz) or the file is plain JSON
  function recordText(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.arrayBuffer();
    }).then(function (buf) {
      var b = new Uint8Array(buf);
      if (b.length > 1 && b[0] === 0x1f && b[1] === 0x8b) {
        var stream = new Blob([buf]).stream().pipeThrough(new DecompressionStream("gzip"));
        return new Response(stream).text();
      }
      return new TextDecoder("utf-8").decode(b);
    });
  }

  function madeDownloads() {
    var box = document.querySelector(".downloads[data-head]");
    if (!box) return;
    var head;
    try { head = JSON.parse(box.dataset.head); } catch (e) { return; }
    var made = box.querySelector(".downloads-made"), note = box.querySelector(".download-note");
    var unzip = typeof DecompressionStream === "function";  // Chromium 80, Firefox 113, Safari 16.4
    if (location.protocol === "file:" || !unzip) {  // no fetch or no gunzip here: the record itself, compressed
      var js = box.querySelector("a[data-make=json]");
      if (js) {
        js.removeAttribute("data-make");
        js.setAttribute("download", js.getAttribute("download") + ".gz");
        js.textContent += "（gzip 压缩）";
      }
    }
    if (made) made.hidden = false;
    box.hidden = false;  // hidden in the page when every link is one made here
    box.addEventListener("click", function (e) {
      var a = e.target.closest ? e.target.closest("a[data-make]") : null;
      if (!a) return;
      e.preventDefault();
      var kind = a.dataset.make;
      recordText(a.href).then(function (text) {
        var name = a.getAttribute("download");
        if (kind === "json") return save(name, text + "\n", "application/json;charset=utf-8");
        var rec = JSON.parse(text);
        if (kind === "docx") {
          var card = [];
          try { card = JSON.parse(box.dataset.card || "[]"); } catch (err) { card = []; }
          return wordTemplate(a.href).then(function (tpl) {
            return wordFile(rec, head, card, tpl, notice(), today());
          }).then(function (blob) { save(name, blob); });
        }
        save(name, kind === "md" ? markdownFile(rec, head) : textFile(rec, head),
             kind === "md" ? "text/markdown;charset=utf-8" : "text/plain;charset=utf-8");
      }).then(function () {
        if (note) note.hidden = true;
      }).catch(function () {
        if (!note) return;
        note.hidden = false;
        note.textContent = location.protocol === "file:"
          ? "（本地副本中浏览器不能读取数据记录，无法生成该文件：请用 iparchive serve 打开本文库后下载，或下载压缩的 JSON 数据记录）"
          : !unzip ? "（本浏览器不能解压数据记录，无法生成该文件：请换用较新的浏览器，或下载压缩的 JSON 数据记录）"
          : "（读取数据记录失败，请稍后重试）";
      });
    });
  }

  clauseTools();
  window.addEventListener("hashchange", highlight);
  highlight();
  timelineFilter();
  lazyOutline();
  printFooter();
  docFilter();
  madeDownloads();
  window.addEventListener("beforeprint", printFooter);
})();
