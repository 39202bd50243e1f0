// Runs in the browser, inlined into report.html after uPlot: draws each chart described in the
// JSON of #report-data into its <div id="chart-ID">, then records on that div how many points each
// series drew (data-points, a JSON list) and keeps the uPlot objects in window.tricksterCharts.
(function () {
  'use strict';
  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000];
  // Three significant digits: small learning rates (5e-4) keep their value on the axis and in the legend.
  function short(v) { return String(Number(v.toPrecision(3))); }
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var charts = {};

  function options(spec, width) {
    return {
      title: spec.title,
      width: width,
      height: 300,
      // Steps count from the start of training, so a curve known only at epoch ends does not start at the axis.
      scales: { x: { time: false, range: spec.xLabel === 'step' ? function (u, min, max) { return [0, Math.max(max, 1)]; } : undefined } },
      // Epochs and steps are whole numbers: ticks only at integers.
      axes: [{ label: spec.xLabel, incrs: INTEGER_STEPS }, { label: spec.yLabel, size: 70, values: function (u, ticks) { return ticks.map(short); } }],
      legend: { live: true },
      series: [{ label: spec.xLabel }].concat(
        spec.series.map(function (s, i) {
          var color = PALETTE[i % PALETTE.length];
          return {
            label: s.label,
            stroke: color,
            width: s.dash ? 1 : 2,
            dash: s.dash ? [4, 4] : undefined,
            alpha: s.dash ? 0.6 : 1,
            spanGaps: true,
            value: function (u, v) { return v === null || v === undefined ? '--' : short(v); },
            paths: s.pointsOnly ? function () { return null; } : undefined,
            points: { show: s.pointsOnly || spec.x.length <= 60, size: s.pointsOnly ? 8 : 5, fill: color },
          };
        }),
      ),
    };
  }

  report.charts.forEach(function (spec) {
    var el = document.getElementById('chart-' + spec.id);
    var width = Math.max(320, Math.min(el.clientWidth || 640, 900));
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var chart = new uPlot(options(spec, width), data, el);
    charts[spec.id] = chart;
    el.setAttribute(
      'data-points',
      JSON.stringify(chart.data.slice(1).map(function (values) {
        return values.filter(function (v) { return v !== null && v !== undefined; }).length;
      })),
    );
  });
  window.tricksterCharts = charts;
  document.body.setAttribute('data-charts-ready', String(report.charts.length));
})();
