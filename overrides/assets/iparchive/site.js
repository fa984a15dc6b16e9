/* 知识产权政策文库 page behaviour (no framework, works from file://).
 * 1. #anchor: scroll the clause into view and highlight it; old clause ids
 *    (data-redirects on .notice) are rewritten to their new ids.
 * 2. 复制引用 / GB/T 7714 buttons: copy citation + permanent URL
 *    (navigator.clipboard, falling back to execCommand for file://).
 * 3. 时间线: filter entries by region (#tl-region).
 */
(function () {
  "use strict";

  function notice() { return document.querySelector(".notice[data-doc]"); }

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
    if (!el) return;
    var clause = el.closest(".clause");
    if (clause) {
      clause.classList.add("is-target");
      var head = clause.querySelector(".clause-head");
      (head || el).scrollIntoView({ block: "start" });
    }
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
      return n.dataset.gbt + "[" + today() + "]. " + url + ".";
    }
    var cite = clause.dataset.cite || (n.dataset.citePrefix + clause.dataset.label);
    return cite + " " + url;
  }

  function fallbackCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    ta.remove();
    return ok;
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () { return true; },
        function () { return fallbackCopy(text); });
    }
    return Promise.resolve(fallbackCopy(text));
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest(".clause-copy");
    if (!button) return;
    ev.preventDefault();
    var text = citation(button);
    document.documentElement.dataset.lastCitation = text;
    copy(text).then(function (ok) {
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

  window.addEventListener("hashchange", highlight);
  highlight();
  timelineFilter();
})();
