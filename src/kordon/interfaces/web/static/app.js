// Keyboard-first work: j/k next/previous row, Enter opens, r opens the review; "/" jumps to the filters,
// "p" to the choice of law (jurisdiction profile).
(function () {
  "use strict";
  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(t.tagName));
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.queue-row")); }
  var current = -1;
  function select(i) {
    var rs = rows();
    if (!rs.length) { return; }
    i = Math.max(0, Math.min(i, rs.length - 1));
    rs.forEach(function (r) { r.classList.remove("current"); r.removeAttribute("aria-selected"); });
    rs[i].classList.add("current");
    rs[i].setAttribute("aria-selected", "true");
    rs[i].scrollIntoView({block: "nearest"});
    current = i;
  }
  function link(row) { return row && row.querySelector("a.open"); }
  document.addEventListener("htmx:afterSwap", function () { current = -1; if (rows().length) { select(0); } });
  document.addEventListener("DOMContentLoaded", function () { if (rows().length) { select(0); } });
  // Selects that apply at once (rows per page, verdict): no inline handlers, so the CSP can forbid them.
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.hasAttribute && t.hasAttribute("data-autosubmit") && t.form) { t.form.submit(); }
  });
  // After the load: scrolling to the #review fragment would otherwise take the focus back.
  window.addEventListener("load", function () {
    var review = document.getElementById("review-form");
    if (review && location.hash === "#review") {
      setTimeout(function () { var s = review.querySelector("select[name=decision]"); if (s) { s.focus(); } }, 0);
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) { return; }
    var rs = rows();
    if (e.key === "p") {
      var law = document.getElementById("profile-select");
      if (law && !law.disabled) { e.preventDefault(); law.focus(); }
      return;
    }
    if (e.key === "/") {
      var f = document.querySelector("#filters input[name=party]");
      if (f) { e.preventDefault(); f.focus(); }
      return;
    }
    if (rs.length) {
      if (e.key === "j") { e.preventDefault(); select(current + 1); return; }
      if (e.key === "k") { e.preventDefault(); select(current - 1); return; }
      if (e.key === "Enter" && current >= 0) { e.preventDefault(); var a = link(rs[current]); if (a) { location.href = a.href; } return; }
      if (e.key === "r" && current >= 0) { e.preventDefault(); var b = link(rs[current]); if (b) { location.href = b.href + "#review"; } return; }
    }
    if (e.key === "r") {
      var form = document.getElementById("review-form");
      if (form) { e.preventDefault(); form.scrollIntoView(); var s = form.querySelector("select"); if (s) { s.focus(); } }
    }
  });
})();
