/* 知识产权政策文库 — work pages (issue 25): the version in force on a chosen date
 * (its 施行 ≤ the date < the next one's 施行, as models.Work.in_force), and any two
 * held versions compared (the comparison page of the pair).  Without script the
 * table's 有效期间 column and the list of pairs say the same. */
(function () {
  "use strict";
  function asOf(form) {
    var versions = JSON.parse(form.dataset.versions || "[]");
    var input = form.querySelector(".work-asof__date"), out = form.querySelector(".work-asof__answer");
    function answer() {
      var d = input.value;
      if (!d) return;
      var pick = null;
      versions.forEach(function (v) { if (v.start <= d && (!pick || v.start >= pick.start)) pick = v; });
      out.textContent = "";
      if (!pick) { out.textContent = d + " 时本法尚未施行（最早的版本 " + (versions[0] ? versions[0].label : "") + "）"; return; }
      out.appendChild(document.createTextNode(d + " 有效的是："));
      if (pick.href) {
        var a = document.createElement("a");
        a.href = pick.href;
        a.className = "work-asof__link";
        a.textContent = pick.label + "文本";
        out.appendChild(a);
      } else {
        out.appendChild(document.createTextNode(pick.label.slice(0, 5) + "文本（本文库未收录）"));
      }
    }
    input.addEventListener("change", answer);
    input.addEventListener("input", answer);
    form.addEventListener("submit", function (ev) { ev.preventDefault(); answer(); });
  }
  function pick(form) {
    // the address is made from the two ids, older first in the lists' order (no per-pair data, issue 29)
    var base = form.dataset.compareBase || "";
    var a = form.querySelector(".work-pick__a"), b = form.querySelector(".work-pick__b");
    if (b.options.length > 1) b.selectedIndex = b.options.length - 1;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var i = a.selectedIndex, j = b.selectedIndex;
      if (i === j || i < 0 || j < 0) return;
      var older = a.options[Math.min(i, j)].value, newer = a.options[Math.max(i, j)].value;
      location.href = base + older + "--" + newer + ".html";
    });
  }
  function start() {
    document.querySelectorAll("form.work-asof").forEach(asOf);
    document.querySelectorAll("form.work-pick").forEach(pick);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
