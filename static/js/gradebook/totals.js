/* The server recomputes the term grades and class averages a save touched. */

export function updateTotals(form, data) {
  var rows = (data && data.rows) || {};
  Object.keys(rows).forEach(function (studentId) {
    var td = form.querySelector('[data-total="' + studentId + '"]');
    if (!td) return;
    var total = rows[studentId];
    td.textContent = '';
    if (!total.percent) {
      td.textContent = '—';
      return;
    }
    var percent = document.createElement('span');
    percent.className = 'grid__percent';
    percent.textContent = total.percent;
    var letter = document.createElement('span');
    letter.className = 'grid__letter';
    letter.textContent = total.letter;
    td.append(percent, ' ', letter);
  });
  var columns = (data && data.columns) || {};
  Object.keys(columns).forEach(function (assessmentId) {
    var td = form.querySelector('[data-average="' + assessmentId + '"]');
    if (td) td.textContent = columns[assessmentId] || '—';
  });
}
