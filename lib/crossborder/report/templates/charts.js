document.querySelectorAll("script.cb-chart-data").forEach(function (node) {
  var div = document.getElementById(node.getAttribute("data-for"));
  if (!div || !div.classList.contains("cb-chart")) { return; }
  var fig = JSON.parse(node.textContent);
  Plotly.newPlot(div, fig.data, fig.layout, fig.config);
});
