/* The grid's cells: what each input holds against what the server has, and the
 * marks a cell shows (data-state pending / saved / error, its error message). */

export function same(a, b) {
  return String(a).trim() === String(b).trim();
}

/** Whether two cell texts mean the same score ("8", "8,0", "8.00"; "ex", "EX"). */
export function sameScore(a, b) {
  var x = String(a).trim().toUpperCase().replace(',', '.');
  var y = String(b).trim().toUpperCase().replace(',', '.');
  if (x === y) return true;
  var number = /^\d*\.?\d*$/;
  if (number.test(x) && number.test(y) && /\d/.test(x) && /\d/.test(y)) {
    return Number(x) === Number(y);
  }
  return false;
}

/** Cells by key, and the rows of inputs (withdrawn students' tbody included). */
export function readGrid(form, inputs) {
  var cells = {};
  var rows = [];
  var position = new Map();
  var table = inputs[0].closest('table') || form;
  Array.prototype.forEach.call(table.querySelectorAll('tbody tr'), function (tr) {
    var row = Array.prototype.slice.call(tr.querySelectorAll('.grid__input'));
    if (!row.length) return;
    row.forEach(function (input, column) {
      position.set(input, { row: rows.length, column: column });
    });
    rows.push(row);
  });

  inputs.forEach(function (input) {
    var key = input.getAttribute('data-cell');
    if (!key) return;
    var original = form.querySelector('input[name="o-' + key + '"]');
    var version = form.querySelector('input[name="v-' + key + '"]');
    if (!original || !version) return;
    var td = input.closest('td') || input.parentNode;
    cells[key] = {
      key: key,
      input: input,
      td: td,
      original: original, // hidden o-<key>: the text the server has (at `version`)
      version: version, // hidden v-<key>
      baseVersion: version.value, // the version the typed text was based on
      rejectedText: null, // text the server refused (422): not resent until edited
      failed: false, // network / session failure: retried
      // A cell the server refused when the full grid was posted keeps its message
      // until the teacher edits it or saves it.
      serverError: td.classList.contains('grid__cell--error')
    };
    if (cells[key].serverError) cells[key].rejectedText = input.value;
  });
  return { cells: cells, rows: rows, position: position };
}

export function stateOf(cell) {
  return cell.td.getAttribute('data-state');
}

export function setState(cell, state) {
  if (state) cell.td.setAttribute('data-state', state);
  else cell.td.removeAttribute('data-state');
}

function errorId(cell) {
  return 'e-' + cell.key;
}

export function showError(cell, message) {
  setState(cell, 'error');
  var span = document.getElementById(errorId(cell));
  if (!span) {
    span = document.createElement('span');
    span.className = 'grid__error';
    span.id = errorId(cell);
    cell.td.appendChild(span);
  }
  span.textContent = message;
  cell.input.setAttribute('aria-invalid', 'true');
  var described = (cell.input.getAttribute('aria-describedby') || '').split(/\s+/);
  if (described.indexOf(errorId(cell)) === -1) {
    described.push(errorId(cell));
    cell.input.setAttribute('aria-describedby', described.join(' ').trim());
  }
}

export function clearError(cell) {
  var span = document.getElementById(errorId(cell));
  if (span && cell.td.contains(span)) span.parentNode.removeChild(span);
  cell.input.removeAttribute('aria-invalid');
  var described = (cell.input.getAttribute('aria-describedby') || '')
    .split(/\s+/)
    .filter(function (id) { return id && id !== errorId(cell); });
  if (described.length) cell.input.setAttribute('aria-describedby', described.join(' '));
  else cell.input.removeAttribute('aria-describedby');
  cell.td.classList.remove('grid__cell--error');
  cell.serverError = false;
  cell.rejectedText = null;
  cell.failed = false;
}

/** Whether the cell holds typing the server does not have. */
export function unsaved(cell) {
  return !same(cell.input.value, cell.original.value);
}
