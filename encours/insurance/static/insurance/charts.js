/* Insured portfolio chart (Chart.js 4): exposure against cover for the largest buyers, from the
   JSON the page embeds in <script id="cover-chart-data" type="application/json">. */
(function () {
  "use strict";
  var source = document.getElementById("cover-chart-data");
  var canvas = document.getElementById("cover-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "fr";
  var format;
  try {
    format = new Intl.NumberFormat(lang, { style: "currency", currency: data.currency, maximumFractionDigits: 0 });
  } catch (e) {
    format = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  }
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.exposure_label, data: data.exposure, backgroundColor: "#c0392b", borderRadius: 3 },
        { label: data.cover_label, data: data.cover, backgroundColor: "#27ae60", borderRadius: 3 }
      ]
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: { tooltip: { callbacks: { label: function (ctx) {
        return ctx.dataset.label + " : " + format.format(ctx.parsed.y);
      } } } },
      scales: { y: { beginAtZero: true, ticks: { callback: function (value) { return format.format(value); } } } }
    }
  });
})();
