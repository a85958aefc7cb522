/* Zoom and pan an SVG chart inside its box (the plan page's flowchart).
   Markup: <div class="chart" data-zoomable> with a .zoom-controls toolbar
   (hidden until this script runs; buttons data-zoom="in", "out", "fit") and
   the <svg> with a viewBox. Without this script the chart is shown whole,
   scaled to the page's width.
   Zooming changes the viewBox only: the chart stays sharp, and the box keeps
   its size. Keyboard (on the focused box): + and - zoom, arrows pan, 0 fits.
   Dragging (mouse, pen or a finger) pans; the wheel with Ctrl zooms. */
(function () {
  "use strict";
  var STEP = 1.5, MAX_ZOOM = 16;

  function zoomable(box) {
    var svg = box.querySelector("svg");
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal) { return; }
    var full = svg.viewBox.baseVal, chart = { x: full.x, y: full.y, w: full.width, h: full.height };
    var view = null, fit = null, drag = null;

    function size() {
      // The box fits the page's width; at most 75% of the window high, at least 240 px.
      var width = box.clientWidth || chart.w;
      var height = Math.max(240, Math.min(width * chart.h / chart.w, window.innerHeight * 0.75));
      svg.style.width = width + "px";
      svg.style.height = height + "px";
      var scale = Math.max(chart.w / width, chart.h / height);
      fit = { scale: scale, width: width, height: height };
    }
    function show(v) {
      var w = fit.width * v.scale, h = fit.height * v.scale;
      // Keep some of the chart in view: the centre stays within the chart.
      v.cx = Math.min(Math.max(v.cx, chart.x), chart.x + chart.w);
      v.cy = Math.min(Math.max(v.cy, chart.y), chart.y + chart.h);
      view = v;
      svg.setAttribute("viewBox", [v.cx - w / 2, v.cy - h / 2, w, h].map(function (n) { return n.toFixed(1); }).join(" "));
      box.setAttribute("data-zoom-level", (fit.scale / v.scale).toFixed(2));
      box.classList.toggle("zoomed", v.scale < fit.scale * 0.999);
    }
    function reset() { size(); show({ scale: fit.scale, cx: chart.x + chart.w / 2, cy: chart.y + chart.h / 2 }); }
    function zoom(factor, at) {
      var scale = Math.min(fit.scale, Math.max(fit.scale / MAX_ZOOM, view.scale / factor));
      var cx = view.cx, cy = view.cy;
      if (at) {  // keep the point under the pointer where it is
        cx = at.x - (at.x - view.cx) * scale / view.scale;
        cy = at.y - (at.y - view.cy) * scale / view.scale;
      }
      show({ scale: scale, cx: cx, cy: cy });
    }
    function pan(dx, dy) { show({ scale: view.scale, cx: view.cx + dx * view.scale, cy: view.cy + dy * view.scale }); }
    function chartPoint(event) {
      var r = svg.getBoundingClientRect();
      return { x: view.cx + (event.clientX - r.left - r.width / 2) * view.scale,
               y: view.cy + (event.clientY - r.top - r.height / 2) * view.scale };
    }

    var controls = box.parentNode.querySelector(".zoom-controls");
    if (controls) {
      controls.hidden = false;
      controls.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-zoom]");
        if (!button) { return; }
        var what = button.getAttribute("data-zoom");
        if (what === "in") { zoom(STEP); } else if (what === "out") { zoom(1 / STEP); } else { reset(); }
      });
    }
    box.addEventListener("keydown", function (event) {
      var k = event.key, d = 60;
      if (k === "+" || k === "=") { zoom(STEP); } else if (k === "-" || k === "_") { zoom(1 / STEP); }
      else if (k === "0") { reset(); }
      else if (k === "ArrowLeft") { pan(-d, 0); } else if (k === "ArrowRight") { pan(d, 0); }
      else if (k === "ArrowUp") { pan(0, -d); } else if (k === "ArrowDown") { pan(0, d); }
      else { return; }
      event.preventDefault();
    });
    box.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) { return; }
      event.preventDefault();
      zoom(event.deltaY < 0 ? STEP : 1 / STEP, chartPoint(event));
    }, { passive: false });
    svg.addEventListener("pointerdown", function (event) {
      if (view.scale >= fit.scale) { return; }  // the whole chart is in view: let the page scroll
      drag = { id: event.pointerId, x: event.clientX, y: event.clientY };
      svg.setPointerCapture(event.pointerId);
      box.classList.add("dragging");
    });
    svg.addEventListener("pointermove", function (event) {
      if (!drag || drag.id !== event.pointerId) { return; }
      pan(drag.x - event.clientX, drag.y - event.clientY);
      drag.x = event.clientX;
      drag.y = event.clientY;
    });
    function drop() { drag = null; box.classList.remove("dragging"); }
    svg.addEventListener("pointerup", drop);
    svg.addEventListener("pointercancel", drop);
    window.addEventListener("resize", function () {
      var kept = view && fit ? fit.scale / view.scale : 1;
      size();
      show({ scale: fit.scale / kept, cx: view.cx, cy: view.cy });
    });
    box.classList.add("zoomable");
    reset();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-zoomable]"), function (box) {
      if (!box.classList.contains("zoomable")) { zoomable(box); }
    });
  }
  document.addEventListener("DOMContentLoaded", init);
  // The plan is swapped in by htmx ("what if" re-planning): its new chart zooms too.
  document.addEventListener("htmx:afterSettle", init);
}());
