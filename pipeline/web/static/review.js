// meter-verify reviewer workbench: keyboard shortcuts, photo zoom/pan, queue row selection.
// Hand-written, no framework, no network calls: every action is a plain form POST or link,
// so the page works (without shortcuts) even with JavaScript off.
"use strict";

(function () {
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA" || el.isContentEditable);
  }

  // --- photo viewer: wheel zooms at the pointer, drag pans, double-click fits ---------------
  function viewer(box) {
    var img = box.querySelector("img");
    if (!img) return null;
    var s = 1, x = 0, y = 0, rot = 0, drag = null;
    function apply() {
      img.style.transform = "translate(" + x + "px," + y + "px) scale(" + s + ") rotate(" + rot + "deg)";
    }
    function fit() {
      var w = img.naturalWidth, h = img.naturalHeight;
      if (!w || !h) return;
      var turned = rot % 180 !== 0, bw = turned ? h : w, bh = turned ? w : h;
      s = Math.min(box.clientWidth / bw, box.clientHeight / bh);
      var dw = bw * s, dh = bh * s;
      x = (box.clientWidth - dw) / 2; y = (box.clientHeight - dh) / 2;
      if (rot === 90) x += dw; else if (rot === 180) { x += dw; y += dh; } else if (rot === 270) y += dh;
      apply();
    }
    function zoom(factor, cx, cy) {
      if (cx === undefined) { cx = box.clientWidth / 2; cy = box.clientHeight / 2; }
      var ns = Math.max(0.05, Math.min(s * factor, 20));
      x = cx - (cx - x) * (ns / s); y = cy - (cy - y) * (ns / s); s = ns;
      apply();
    }
    box.addEventListener("wheel", function (e) {
      e.preventDefault();
      var r = box.getBoundingClientRect();
      zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    box.addEventListener("pointerdown", function (e) {
      if (e.target.closest("button")) return;
      drag = { px: e.clientX, py: e.clientY, x: x, y: y };
      box.setPointerCapture(e.pointerId); box.classList.add("dragging");
    });
    box.addEventListener("pointermove", function (e) {
      if (!drag) return;
      x = drag.x + e.clientX - drag.px; y = drag.y + e.clientY - drag.py; apply();
    });
    function end() { drag = null; box.classList.remove("dragging"); }
    box.addEventListener("pointerup", end);
    box.addEventListener("pointercancel", end);
    box.addEventListener("dblclick", fit);
    box.querySelectorAll("[data-zoom]").forEach(function (b) {
      b.addEventListener("click", function () {
        var what = b.getAttribute("data-zoom");
        if (what === "in") zoom(1.4); else if (what === "out") zoom(1 / 1.4);
        else if (what === "rotate") { rot = (rot + 90) % 360; fit(); } else fit();
      });
    });
    if (img.complete) fit(); else img.addEventListener("load", fit);
    window.addEventListener("resize", fit);
    return { zoom: zoom, fit: fit };
  }

  // --- queue: J/K move a selection, Enter opens, a click anywhere on a row opens it -------
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-href]")); }
  var selected = -1;
  function select(i) {
    var all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(i, all.length - 1));
    all.forEach(function (r, k) { r.classList.toggle("sel", k === selected); });
    all[selected].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-viewer]");
    var view = box ? viewer(box) : null;
    rows().forEach(function (r) {
      r.addEventListener("click", function (e) { if (!e.target.closest("a")) location.href = r.getAttribute("data-href"); });
    });
    document.querySelectorAll("form").forEach(function (f) {
      f.addEventListener("submit", function () {  // no double decisions from a double press
        setTimeout(function () { f.querySelectorAll("button").forEach(function (b) { b.disabled = true; }); }, 0);
      });
    });
    document.querySelectorAll("[data-enter-submits]").forEach(function (el) {
      el.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); el.form.requestSubmit(); }
      });
    });
    document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.requestSubmit(); });
    });
    var help = document.getElementById("help");

    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "Escape") {
        if (help) help.hidden = true;
        if (typing(document.activeElement)) document.activeElement.blur();
        return;
      }
      if (typing(e.target)) return;
      var key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      if (key === "?") { if (help) help.hidden = !help.hidden; return; }
      if (view && (key === "+" || key === "=")) { view.zoom(1.4); return; }
      if (view && key === "-") { view.zoom(1 / 1.4); return; }
      if (view && key === "0") { view.fit(); return; }
      if ((key === "j" || key === "ArrowDown") && rows().length) { e.preventDefault(); select(selected + 1); return; }
      if ((key === "k" || key === "ArrowUp") && rows().length) { e.preventDefault(); select(selected - 1); return; }
      if (key === "Enter" && selected >= 0) { location.href = rows()[selected].getAttribute("data-href"); return; }
      var focus = document.querySelector('[data-focus-key="' + key + '"]');
      if (focus) { e.preventDefault(); focus.focus(); if (focus.select) focus.select(); return; }
      var target = document.querySelector('[data-key="' + key + '"]');
      if (target) { e.preventDefault(); target.click(); }
    });
  });
})();
