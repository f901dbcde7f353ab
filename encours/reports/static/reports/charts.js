/* Report charts (Chart.js 4): the aging bars and the DSO trend, from the JSON the page embeds
   in <script id="report-charts" type="application/json">. Numbers and dates in the page language. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "fr";

  function moneyFormat(currency) {
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency: currency, maximumFractionDigits: 0 });
    } catch (e) {
      return new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    }
  }

  function monthLabel(iso, last) {
    var parts = iso.split("-");
    var day = new Date(Date.UTC(+parts[0], +parts[1] - 1, +parts[2]));
    var options = last ? { day: "numeric", month: "short", year: "2-digit", timeZone: "UTC" }
                       : { month: "short", year: "2-digit", timeZone: "UTC" };
    return new Intl.DateTimeFormat(lang, options).format(day);
  }

  function agingChart(canvas, data) {
    var format = moneyFormat(data.currency);
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: data.label, data: data.values, backgroundColor: data.colours, borderRadius: 4 }]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) { return format.format(ctx.parsed.y); } } }
        },
        scales: { y: { beginAtZero: true, ticks: { callback: function (value) { return format.format(value); } } } }
      }
    });
  }

  function dsoChart(canvas, data) {
    var days = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    var labels = data.labels.map(function (iso, i) { return monthLabel(iso, i === data.labels.length - 1); });
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: labels,
        datasets: data.datasets.map(function (set) {
          return { label: set.label, data: set.values, borderColor: set.colour, backgroundColor: set.colour,
                   tension: 0.25, pointRadius: 3, spanGaps: true };
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          tooltip: { callbacks: { label: function (ctx) {
            return ctx.dataset.label + ": " + days.format(ctx.parsed.y) + " " + data.unit; } } }
        },
        scales: { y: { beginAtZero: true, title: { display: true, text: data.unit } } }
      }
    });
  }

  function render() {
    var source = document.getElementById("report-charts");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var aging = document.getElementById("aging-chart");
    if (aging && data.aging) agingChart(aging, data.aging);
    var dso = document.getElementById("dso-chart");
    if (dso && data.dso) dsoChart(dso, data.dso);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
