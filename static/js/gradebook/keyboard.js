/* Keyboard movement: arrow keys and Enter move between cells (Tab keeps its normal
 * behaviour); focusing a cell selects its text. */

function focusCell(input) {
  if (!input) return false;
  input.focus();
  input.select();
  return true;
}

/** The input `rowStep` rows and `columnStep` columns away, or null. */
export function neighbour(grid, input, rowStep, columnStep) {
  var at = grid.position.get(input);
  if (!at) return null;
  if (columnStep) return grid.rows[at.row][at.column + columnStep] || null;
  var row = grid.rows[at.row + rowStep];
  if (!row) return null;
  // The same assessment in that row (columns line up; checked by key).
  var assessment = (input.getAttribute('data-cell') || '').split('-')[1];
  var match = row.filter(function (other) {
    return (other.getAttribute('data-cell') || '').split('-')[1] === assessment;
  })[0];
  return match || row[at.column] || null;
}

export function wireKeyboard(grid) {
  var form = grid.form;

  form.addEventListener('keydown', function (event) {
    var input = event.target;
    if (!grid.cellOf(input)) return;
    if (event.isComposing || event.keyCode === 229) return; // IME at work
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var start = input.selectionStart;
    var end = input.selectionEnd;
    var length = input.value.length;
    var allSelected = start === 0 && end === length;
    var target = null;
    switch (event.key) {
      case 'ArrowUp':
        if (event.shiftKey) return;
        target = neighbour(grid, input, -1, 0);
        break;
      case 'ArrowDown':
        if (event.shiftKey) return;
        target = neighbour(grid, input, 1, 0);
        break;
      case 'Enter':
        // Enter moves instead of posting the whole grid (the Save button does that).
        event.preventDefault();
        target = neighbour(grid, input, event.shiftKey ? -1 : 1, 0);
        if (!target) {
          var cell = grid.cellOf(input);
          if (cell) grid.autosave.schedule(cell);
        }
        break;
      case 'ArrowLeft':
        if (event.shiftKey || !((start === 0 && end === 0) || allSelected)) return;
        target = neighbour(grid, input, 0, -1);
        break;
      case 'ArrowRight':
        if (event.shiftKey || !((start === length && end === length) || allSelected)) {
          return;
        }
        target = neighbour(grid, input, 0, 1);
        break;
      default:
        return;
    }
    if (target) {
      event.preventDefault();
      focusCell(target);
    }
  });

  // Focusing a cell selects its text; a click must not undo that selection.
  var selectOnMouseUp = null;
  form.addEventListener('focusin', function (event) {
    if (!grid.cellOf(event.target)) return;
    event.target.select();
    selectOnMouseUp = event.target;
  });
  form.addEventListener('mouseup', function (event) {
    if (selectOnMouseUp && event.target === selectOnMouseUp) event.preventDefault();
    selectOnMouseUp = null;
  });
  form.addEventListener('mousedown', function (event) {
    if (event.target !== document.activeElement) return;
    selectOnMouseUp = null; // a click in the focused cell places the caret as usual
  });
}
