/* Risk charts (Chart.js 4, the library the reports use): payer index against the sector and the
   portfolio over 24 months, exposure by grade and by sector. Data from <script id="risk-charts">. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "fr";
  var money = new Intl.NumberFormat(lang, { style: "currency", currency: "EUR", maximumFractionDigits: 0 });

  function monthLabel(iso) {
    var p = iso.split("-");
    return new Intl.DateTimeFormat(lang, { month: "short", year: "2-digit", timeZone: "UTC" })
      .format(new Date(Date.UTC(+p[0], +p[1] - 1, +p[2])));
  }

  function payerChart(canvas, data) {
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels.map(monthLabel),
        datasets: data.datasets.map(function (set, i) {
          return { label: set.label, data: set.values, borderColor: set.colour, backgroundColor: set.colour,
                   borderDash: i === 0 ? [] : [5, 4], tension: 0.25, pointRadius: i === 0 ? 3 : 0, spanGaps: true };
        })
      },
      options: { animation: false, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
                 scales: { y: { min: 0, max: 100 } } }
    });
  }

  function barChart(canvas, data, horizontal) {
    return new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels,
              datasets: [{ data: data.values, backgroundColor: data.colours || "#2e75b6", borderRadius: 4 }] },
      options: {
        animation: false, maintainAspectRatio: false, indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: false },
                   tooltip: { callbacks: { label: function (ctx) { return money.format(horizontal ? ctx.parsed.x : ctx.parsed.y); } } } },
        scales: horizontal ? { x: { ticks: { callback: function (v) { return money.format(v); } } } }
                           : { y: { beginAtZero: true, ticks: { callback: function (v) { return money.format(v); } } } }
      }
    });
  }

  function render() {
    var source = document.getElementById("risk-charts");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var el;
    if ((el = document.getElementById("payer-chart")) && data.payer) payerChart(el, data.payer);
    if ((el = document.getElementById("grade-chart")) && data.grades) barChart(el, data.grades, false);
    if ((el = document.getElementById("sector-chart")) && data.sectors) barChart(el, data.sectors, true);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", render);
  else render();
})();
