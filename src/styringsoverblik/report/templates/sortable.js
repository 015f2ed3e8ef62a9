// Sort a table.sortable by the clicked column: numbers by data-sort, text in Danish order.
(function () {
  "use strict";
  function value(row, index) {
    var cell = row.cells[index];
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }
  function compare(type, a, b) {
    if (type === "number") {
      var x = a === "" ? -Infinity : Number(a);
      var y = b === "" ? -Infinity : Number(b);
      return x - y;
    }
    return a.localeCompare(b, "da");
  }
  function sortBy(table, th) {
    var index = th.cellIndex;
    var type = th.getAttribute("data-type") || "text";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    if (!th.hasAttribute("aria-sort") && type === "number") { ascending = false; }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var order = compare(type, value(r1, index), value(r2, index));
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var button = th.querySelector("button");
      if (button) { button.addEventListener("click", function () { sortBy(table, th); }); }
    });
  });
})();
