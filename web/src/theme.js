// Runs inline (with the CSP nonce) before the first paint: theme, embedded layout and background
// colour are known from the URL alone, so the page never repaints or shifts when the app starts.
(function () {
  var d = document.documentElement, q = new URLSearchParams(location.search), h = new URLSearchParams(location.hash.slice(1));
  var t = h.get("theme") || q.get("theme");
  if (t === "light" || t === "dark") d.setAttribute("data-theme", t);
  if (q.get("embed") === "1" && window.parent !== window) {
    d.className = "embed";
    var bg = q.get("bg");
    if (bg && CSS.supports("color", bg)) d.style.setProperty("--card", bg);
  }
})();
